using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Library;

/// <summary>
/// Faults that need the real process: permissions (root reads everything, so as root the app is run
/// as the user 'nobody' through setpriv) and SIGKILL in the middle of a pass.
/// </summary>
public sealed class FaultTests
{
    private static readonly Dictionary<string, string?> Settled = new() { ["TagWorker__Library__SettleSeconds"] = "0" };

    [Fact]
    public void A_file_name_with_a_line_break_cannot_forge_a_log_line()
    {
        using var root = new TempDir("forge");
        var library = root.Combine("library");
        Directory.CreateDirectory(library);
        File.WriteAllText(
            Path.Combine(library, "evil.jpg\n[12:00:00 ERR] Disk failure, restore from backup.jpg"),
            "not a photo"
        );
        var run = Shell.App(["scan", "--once", "--library", library, "--data", root.Combine("data")]); // just written: "Leaving <name> for later"
        var lines = (run.Output + run.Error).Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("[12:00:00 ERR]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("evil.jpg\\u000a[12:00:00 ERR] Disk failure", StringComparison.Ordinal));
    }

    [Fact]
    public void Unreadable_files_and_folders_are_failed_with_their_reason_and_nothing_known_is_lost()
    {
        using var root = new TempDir("perm");
        var library = root.Combine("library");
        var data = root.Combine("data");
        root.Write("library/ok.jpg", "ok");
        root.Write("library/locked/inside.jpg", "inside");
        Directory.CreateDirectory(data);
        Chown(root.Path);

        var first = ScanAsUnprivileged(library, data);
        Assert.Equal(2, first.GetProperty("new").GetInt32());

        root.Write("library/secret.jpg", "secret");
        Shell.Run("chown", "root:root", root.Combine("library", "secret.jpg"));
        Shell.Run("chmod", "000", root.Combine("library", "secret.jpg"));
        Shell.Run("chmod", "000", root.Combine("library", "locked"));

        var second = ScanAsUnprivileged(library, data);

        Assert.Null(second.GetProperty("error").GetString());
        Assert.Equal(2, second.GetProperty("failed").GetInt32()); // the file and the folder
        Assert.Equal(0, second.GetProperty("removed").GetInt32()); // locked/inside.jpg is not "gone"
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "tagworker.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT state || ':' || coalesce(error, '') FROM files WHERE path = 'secret.jpg'";
        var secret = (string)command.ExecuteScalar()!;
        Assert.StartsWith("failed:cannot read", secret, StringComparison.Ordinal);
        command.CommandText = "SELECT state FROM files WHERE path = 'locked/inside.jpg'";
        Assert.Equal("present", command.ExecuteScalar());
        // The folder is on the Failed page with its reason (not only in the log), until a pass can read it again.
        command.CommandText = "SELECT path || ':' || reason FROM folder_failures";
        Assert.StartsWith("locked:", (string)command.ExecuteScalar()!, StringComparison.Ordinal);
        Shell.Run("chmod", "755", root.Combine("library", "locked"));
        ScanAsUnprivileged(library, data);
        command.CommandText = "SELECT count(*) FROM folder_failures";
        Assert.Equal(0L, command.ExecuteScalar());
    }

    [Fact]
    public async Task Killed_mid_pass_the_next_start_finishes_and_the_database_is_consistent()
    {
        const int count = 40_000;
        using var root = new TempDir("kill");
        var library = root.Combine("library");
        var data = root.Combine("data");
        for (var i = 0; i < count; i++)
        {
            var folder = Path.Combine(library, $"f{i / 500:D3}");
            if (i % 500 == 0)
            {
                Directory.CreateDirectory(folder);
            }
            File.WriteAllText(Path.Combine(folder, $"{i}.jpg"), $"photo {i}");
        }

        using (
            var scan = Shell.Start(
                "dotnet",
                [Repo.AppDll, "scan", "--once", "--library", library, "--data", data],
                Settled
            )
        )
        {
            var db = Path.Combine(data, "tagworker.db");
            var stopwatch = Stopwatch.StartNew();
            while (CountFiles(db) < 1000 && stopwatch.Elapsed < TimeSpan.FromSeconds(120) && !scan.HasExited)
            {
                await Task.Delay(20);
            }
            scan.Kill();
            await scan.WaitForExitAsync();
            var atKill = CountFiles(db);
            Assert.InRange(atKill, 1, count - 1); // really killed in the middle
        }

        var next = Shell.App(["scan", "--once", "--library", library, "--data", data, "--json"], Settled);
        var result = JsonDocument.Parse(next.Output).RootElement;

        Assert.Equal(count, result.GetProperty("files_seen").GetInt32());
        Assert.Equal(count, result.GetProperty("new").GetInt32() + result.GetProperty("unchanged").GetInt32());
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "tagworker.db")}");
        connection.Open();
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM pragma_foreign_key_check"));
        Assert.Equal((long)count, Scalar(connection, "SELECT count(*) FROM photos"));
        Assert.Equal(
            (long)count,
            Scalar(connection, "SELECT count(*) FROM files WHERE state = 'present' AND photo_id IS NOT NULL")
        );
    }

    private static JsonElement ScanAsUnprivileged(string library, string data)
    {
        var args = new List<string>
        {
            "dotnet",
            Repo.AppDll,
            "scan",
            "--once",
            "--library",
            library,
            "--data",
            data,
            "--json",
        };
        if (Shell.IsRoot)
        {
            args.InsertRange(0, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
        }
        var env = new Dictionary<string, string?>(Settled)
        {
            ["HOME"] = Path.GetTempPath(),
            ["DOTNET_CLI_HOME"] = Path.GetTempPath(),
        };
        var result = Shell.Run(args[0], args.Skip(1), env);
        Assert.True(result.ExitCode == 0, result.Error);
        return JsonDocument.Parse(result.Output).RootElement;
    }

    private static void Chown(string path)
    {
        if (Shell.IsRoot)
        {
            Shell.Run("chown", "-R", "65534:65534", path);
        }
    }

    private static long CountFiles(string db)
    {
        if (!File.Exists(db))
        {
            return 0;
        }
        try
        {
            using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly");
            connection.Open();
            return (long)(Scalar(connection, "SELECT count(*) FROM files") ?? 0L);
        }
        catch (SqliteException)
        {
            return 0; // schema not there yet
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
