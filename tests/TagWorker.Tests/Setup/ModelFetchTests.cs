using System.Security.Cryptography;
using System.Text.Json;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Setup;

/// <summary>models/fetch, the script the set-up and the Docker image use, run for real.</summary>
public sealed class ModelFetchTests
{
    private static readonly string Fetch = Path.Combine(Repo.Models, "fetch");

    [Fact]
    public void Fetch_copies_every_manifest_model_from_a_local_folder_with_checked_sha256()
    {
        using var dest = new TempDir("models");

        var result = Run(dest.Path, Path.Combine(Repo.Shared, "models"));

        Assert.Equal(0, result.ExitCode);
        foreach (var (file, sha256) in Manifest())
        {
            Assert.Equal(sha256, Sha256(Path.Combine(dest.Path, file)));
        }
    }

    [Fact]
    public void Fetch_replaces_a_corrupt_model_and_never_keeps_a_copy_with_the_wrong_checksum()
    {
        using var dest = new TempDir("models");
        using var badSource = new TempDir("bad");
        Assert.Equal(0, Run(dest.Path, Path.Combine(Repo.Shared, "models")).ExitCode);
        File.WriteAllText(Path.Combine(dest.Path, "yolov8n.onnx"), "corrupt");
        File.WriteAllText(Path.Combine(badSource.Path, "yolov8n.onnx"), "also wrong");

        var fromBad = Run(dest.Path, badSource.Path);
        Assert.Equal(1, fromBad.ExitCode);
        Assert.Contains("yolov8n.onnx", fromBad.Error, StringComparison.Ordinal);
        Assert.Equal("corrupt", File.ReadAllText(Path.Combine(dest.Path, "yolov8n.onnx")));

        var fromGood = Run(dest.Path, Path.Combine(Repo.Shared, "models"));
        Assert.Equal(0, fromGood.ExitCode);
        Assert.Equal(
            Manifest().First(m => m.File == "yolov8n.onnx").Sha256,
            Sha256(Path.Combine(dest.Path, "yolov8n.onnx"))
        );
    }

    [Fact]
    public void Fetch_without_a_source_names_each_missing_model_and_fails()
    {
        using var dest = new TempDir("models");
        using var empty = new TempDir("empty");

        var result = Run(dest.Path, empty.Path, offline: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("w600k_mbf.onnx has no download address", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dest.Path));
    }

    [Fact]
    public void The_manifest_describes_every_model_with_source_licence_and_processing()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Models, "manifest.json")));
        foreach (var model in doc.RootElement.GetProperty("models").EnumerateArray())
        {
            foreach (var field in new[] { "name", "file", "sha256", "licence", "source", "task", "input" })
            {
                Assert.True(model.TryGetProperty(field, out _), $"{model.GetProperty("file")} lacks {field}");
            }
        }
        var yolo = doc
            .RootElement.GetProperty("models")
            .EnumerateArray()
            .First(m => m.GetProperty("name").GetString() == "yolov8n");
        Assert.Equal(80, yolo.GetProperty("labels").GetArrayLength());
    }

    private static ProcessResult Run(string dest, string source, bool offline = false)
    {
        var env = new Dictionary<string, string?> { ["TAGWORKER_MODELS_SOURCE"] = source };
        if (offline)
        {
            env["PATH"] = "/usr/bin:/bin"; // still has curl; the addresses are unreachable from here anyway
            env["https_proxy"] = "http://127.0.0.1:9";
        }
        return Shell.Run("bash", [Fetch, dest], env);
    }

    private static List<(string File, string Sha256)> Manifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Models, "manifest.json")));
        return doc
            .RootElement.GetProperty("models")
            .EnumerateArray()
            .Select(m => (m.GetProperty("file").GetString()!, m.GetProperty("sha256").GetString()!))
            .ToList();
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
