using System.Diagnostics;
using System.Text.Json;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Hosting;

public sealed class ServeTests
{
    [Fact]
    public async Task Serve_answers_healthz_and_status_and_sees_a_new_photo_through_the_watcher()
    {
        using var library = new TempDir("lib");
        using var data = new TempDir("data");
        library.Write("first.jpg", "1");
        using var app = await AppProcess.StartAsync(library.Path, data.Path);

        await app.WaitUntilAsync(
            async () => (await PendingAsync(app)) + (await CountAsync(app, "failed")) == 1,
            TimeSpan.FromSeconds(60)
        );
        var status = JsonDocument.Parse(await app.Http.GetStringAsync("/api/status")).RootElement;
        Assert.True(status.GetProperty("watcher").GetBoolean());
        Assert.True(status.TryGetProperty("next_scan_at", out _));
        Assert.True(status.TryGetProperty("queue_length", out _));

        // The next full pass is an hour away: only the watcher can bring this one in, and the pipeline analyses it.
        Directory.CreateDirectory(library.Combine("later"));
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), library.Combine("later", "bus.jpg"));
        await app.WaitUntilAsync(async () => (await CountAsync(app, "analyzed")) == 1, TimeSpan.FromSeconds(120));
        Assert.Equal(1, await CountAsync(app, "failed")); // first.jpg holds "1", not a photo
    }

    [Fact]
    public async Task Idle_serve_releases_the_models_and_loads_them_again_for_the_next_photo()
    {
        using var library = new TempDir("lib");
        using var data = new TempDir("data");
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), library.Combine("bus.jpg"));
        using var app = await AppProcess.StartAsync(
            library.Path,
            data.Path,
            new Dictionary<string, string?>
            {
                ["TagWorker__Pipeline__ReleaseModelsAfterMinutes"] = "0.05", // 3 s
            }
        );

        await app.WaitUntilAsync(async () => await CountAsync(app, "analyzed") == 1, TimeSpan.FromSeconds(120));
        await app.WaitUntilAsync(
            async () =>
                !await ModelsLoadedAsync(app)
                && Log(data).Contains("models released, resident memory", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60)
        );

        File.Copy(Path.Combine(Repo.Photos, "zidane.jpg"), library.Combine("zidane.jpg"));
        await app.WaitUntilAsync(async () => await CountAsync(app, "analyzed") == 2, TimeSpan.FromSeconds(120));
        var faces = JsonDocument
            .Parse(await app.Http.GetStringAsync("/api/status"))
            .RootElement.GetProperty("pipeline")
            .GetProperty("faces")
            .GetInt32();
        Assert.Equal(4, faces); // two in each: the reloaded models see as the first ones did
    }

    private static string Log(TempDir data) =>
        string.Concat(
            Directory
                .GetFiles(data.Combine("logs"))
                .Select(f =>
                {
                    using var reader = new StreamReader(
                        new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
                    );
                    return reader.ReadToEnd();
                })
        );

    private static async Task<bool> ModelsLoadedAsync(AppProcess app) =>
        JsonDocument
            .Parse(await app.Http.GetStringAsync("/api/status"))
            .RootElement.GetProperty("pipeline")
            .GetProperty("models_loaded")
            .GetBoolean();

    private static async Task<int> CountAsync(AppProcess app, string state)
    {
        var status = JsonDocument.Parse(await app.Http.GetStringAsync("/api/status")).RootElement;
        return status.GetProperty("counts").GetProperty("photos").GetProperty(state).GetInt32();
    }

    [Fact]
    public async Task Serve_shuts_down_cleanly_on_SIGTERM_within_ten_seconds()
    {
        using var library = new TempDir("lib");
        using var data = new TempDir("data");
        using var app = await AppProcess.StartAsync(library.Path, data.Path);

        var stopwatch = Stopwatch.StartNew();
        app.Signal("TERM");
        var exited = app.Process.WaitForExit(TimeSpan.FromSeconds(10));

        Assert.True(exited, "still running 10 s after SIGTERM");
        Assert.Equal(0, app.Process.ExitCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Serve_creates_a_missing_library_folder_and_refuses_an_unwritable_data_folder()
    {
        using var root = new TempDir("serve");
        var library = root.Combine("not", "yet", "there");
        using (var app = await AppProcess.StartAsync(library, root.Combine("data")))
        {
            Assert.True(Directory.Exists(library));
        }

        File.WriteAllText(root.Combine("a-file"), "");
        var result = Shell.App(["serve", "--library", library, "--data", root.Combine("a-file", "data")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not writable", result.Error, StringComparison.Ordinal);
    }

    private static async Task<int> PendingAsync(AppProcess app)
    {
        var status = JsonDocument.Parse(await app.Http.GetStringAsync("/api/status")).RootElement;
        return status.GetProperty("counts").GetProperty("photos").GetProperty("pending").GetInt32();
    }
}
