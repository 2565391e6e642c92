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

        var result = Shell.App(
            ["scan", "--once", "--json"],
            new Dictionary<string, string?>(Settled)
            {
                ["TagWorker__Library__Root"] = library.Path,
                ["TagWorker__Data__Dir"] = data.Path,
            }
        );

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
        Assert.Contains(
            "does not exist",
            JsonDocument.Parse(result.Output).RootElement.GetProperty("error").GetString(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Analyze_json_prints_one_object_per_file_with_displayed_boxes_and_unit_embeddings()
    {
        using var dir = new TempDir("analyze");
        File.WriteAllText(dir.Combine("broken.jpg"), "not a photo");
        var env = new Dictionary<string, string?> { ["TAGWORKER_HOME"] = Repo.Root };

        var result = Shell.App(
            [
                "analyze",
                Path.Combine(Repo.Photos, "obama_2_exif_orientation6.jpg"),
                dir.Combine("broken.jpg"),
                "--json",
            ],
            env
        );

        Assert.Equal(1, result.ExitCode); // one file failed
        var lines = result.Output.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        var photo = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(
            (626, 1200, 6),
            (
                photo.GetProperty("width").GetInt32(),
                photo.GetProperty("height").GetInt32(),
                photo.GetProperty("orientation").GetInt32()
            )
        );
        Assert.Equal(JsonValueKind.Null, photo.GetProperty("error").ValueKind);
        Assert.Contains(photo.GetProperty("objects").EnumerateArray(), o =>
            o.GetProperty("label").GetString() == "person"
        );
        var face = photo.GetProperty("faces").EnumerateArray().Single();
        var box = face.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.True(box[2] < box[3] * 1.5 && box[0] + box[2] <= 626 && box[1] + box[3] <= 1200, string.Join(",", box)); // x, y, w, h in the upright photo
        Assert.Equal(5, face.GetProperty("landmarks").GetArrayLength());
        var embedding = face.GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(512, embedding.Length);
        Assert.InRange(Math.Sqrt(embedding.Sum(v => v * v)), 0.999, 1.001);
        var broken = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Contains("not a photo", broken.GetProperty("error").GetString(), StringComparison.Ordinal);
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
