using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>
/// <c>tagworker bench-write [--photo FILE] [--count N]</c>: copies one photo N times into a fresh library, gives each
/// copy a named face and two object labels, approves everything and times <c>apply</c> as sidecars and then embedded
/// (each including backup, the changed-meanwhile check, read-back verification and, embedded, the image-data check).
/// </summary>
public static class BenchWriteCommand
{
    public static async Task<int> RunAsync(CommandLine cli)
    {
        var photo = cli.Value("--photo") ?? Path.Combine(AppHost.Home, "..", "shared", "testdata", "photos", "bus.jpg");
        var count = int.Parse(cli.Value("--count") ?? "200", CultureInfo.InvariantCulture);
        if (!File.Exists(photo))
        {
            throw new UsageException($"{photo} does not exist; give --photo FILE");
        }
        Console.WriteLine($"{count} copies of {Path.GetFileName(photo)} ({new FileInfo(photo).Length / 1024} KB)");
        foreach (var mode in new[] { "Sidecar", "Embedded" })
        {
            var root = Path.Combine(Path.GetTempPath(), $"tagworker-bench-write-{Environment.ProcessId}-{mode}");
            try
            {
                var (seconds, report) = await MeasureAsync(cli, photo, count, mode, root);
                Console.WriteLine(
                    $"{mode, -9}: {report.Written} files in {seconds:F2} s = {report.Written / seconds:F0} files/s; {report.Failed} failed; peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB"
                );
                if (report.Failed > 0)
                {
                    Console.WriteLine($"  first failure: {report.Files.First(f => f.State == "failed").Error}");
                }
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(root, recursive: true);
            }
        }
        return 0;
    }

    private static async Task<(double, ApplyReport)> MeasureAsync(
        CommandLine cli,
        string photo,
        int count,
        string mode,
        string root
    )
    {
        var library = Path.Combine(root, "library");
        Directory.CreateDirectory(library);
        var command = CommandLine.Parse(["apply", "--library", library, "--data", Path.Combine(root, "data")]);
        command.Overrides["TagWorker:WriteBack:Mode"] = mode;
        command.Overrides["TagWorker:Logging:Level"] = "Warning";
        var builder = AppHost.CreateCommandBuilder(command);
        builder.AddStorage().AddLibrary().AddWriteBack(hosted: false);
        using var host = builder.Build();
        using (var connection = host.Services.GetRequiredService<Database>().Open())
        using (var transaction = connection.BeginTransaction())
        {
            const string now = "2026-01-01T00:00:00Z";
            connection.Execute(
                "INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Bench Person', $now, $now)",
                transaction,
                ("$now", now)
            );
            for (var i = 1; i <= count; i++)
            {
                var name = $"photo_{i:D5}.jpg";
                File.Copy(photo, Path.Combine(library, name));
                connection.Execute(
                    "INSERT INTO photos (id, size, state, created_at, updated_at, width, height, orientation) VALUES ($id, 1, 'analyzed', $now, $now, 810, 1080, 1)",
                    transaction,
                    ("$id", i),
                    ("$now", now)
                );
                connection.Execute(
                    "INSERT INTO files (path, photo_id, size, mtime, state, seen_at) VALUES ($p, $id, 1, 0, 'present', $now)",
                    transaction,
                    ("$p", name),
                    ("$id", i),
                    ("$now", now)
                );
                connection.Execute(
                    "INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, person_id, assigned_by) VALUES ($id, 100, 200, 150, 180, x'', 0.9, 150, 100, 1, 'user')",
                    transaction,
                    ("$id", i)
                );
                connection.Execute(
                    "INSERT INTO objects (photo_id, label, confidence, x, y, w, h) VALUES ($id, 'bus', 0.9, 0, 0, 500, 500), ($id, 'dog', 0.8, 0, 0, 100, 100)",
                    transaction,
                    ("$id", i)
                );
            }
            transaction.Commit();
            Changes.Approve(connection, new WriteBackOptions(), ApprovalScope.All, now);
        }
        var writer = host.Services.GetRequiredService<MetadataWriter>();
        var stopwatch = Stopwatch.StartNew();
        var report = await writer.ApplyAsync(dryRun: false, CancellationToken.None);
        return (stopwatch.Elapsed.TotalSeconds, report);
    }
}
