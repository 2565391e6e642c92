using System.Text.Json;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Hosting;

public sealed class CommandLineTests
{
    private static readonly Dictionary<string, string?> Settled = new() { ["TagWorker__Library__SettleSeconds"] = "0" };

    [Fact]
    public void Scan_once_json_prints_exactly_one_object_with_the_documented_fields()
    {
        using var library = new TempDir("lib");
        using var data = new TempDir("data");
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), library.Combine("bus.jpg"));
        File.Copy(Path.Combine(Repo.Photos, "zidane.jpg"), library.Combine("zidane.jpg"));

        var result = Shell.App(["scan", "--once", "--library", library.Path, "--data", data.Path, "--json"], Settled);

        Assert.Equal(0, result.ExitCode);
        var json = JsonDocument.Parse(result.Output.Trim()).RootElement;
        foreach (var field in new[] { "files_seen", "new", "changed", "moved", "removed", "unchanged", "failed" })
        {
            Assert.Equal(JsonValueKind.Number, json.GetProperty(field).ValueKind);
        }
        Assert.True(json.GetProperty("seconds").GetDouble() >= 0);
        Assert.Equal((2, 2), (json.GetProperty("files_seen").GetInt32(), json.GetProperty("new").GetInt32()));
    }

    [Fact]
    public void Status_json_counts_photos_by_state()
    {
        using var library = new TempDir("lib");
        using var data = new TempDir("data");
        library.Write("a.jpg", "a");
        library.Write("b.jpg", "");
        Shell.App(["scan", "--once", "--library", library.Path, "--data", data.Path], Settled);

        var result = Shell.App(["status", "--data", data.Path, "--json"]);

        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(1, json.GetProperty("photos").GetProperty("pending").GetInt32());
        Assert.Equal(1, json.GetProperty("files").GetProperty("failed").GetInt32());
    }

    [Fact]
    public void Settings_come_from_environment_variables_as_in_Docker()
    {
        using var library = new TempDir("lib");
        using var data = new TempDir("data");
        library.Write("a.jpg", "a");

        var result = Shell.App(["scan", "--once", "--json"], new Dictionary<string, string?>(Settled)
        {
            ["TagWorker__Library__Root"] = library.Path,
            ["TagWorker__Data__Dir"] = data.Path,
        });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(1, JsonDocument.Parse(result.Output).RootElement.GetProperty("new").GetInt32());
        Assert.True(File.Exists(Path.Combine(data.Path, "tagworker.db")));
    }

    [Fact]
    public void A_missing_library_root_exits_non_zero_with_the_reason()
    {
        using var data = new TempDir("data");

        var result = Shell.App(["scan", "--once", "--library", "/nonexistent/photos", "--data", data.Path, "--json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", JsonDocument.Parse(result.Output).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("scan")]
    public void Wrong_usage_exits_2_with_help(string command)
    {
        var result = Shell.App([command]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage: tagworker", result.Error, StringComparison.Ordinal);
    }
}
