using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TagWorker.Tests.Support;
using Xunit.Abstractions;

namespace TagWorker.Tests.Docker;

/// <summary>
/// The real image, built with podman from the Dockerfile and run the way a NAS owner runs it. Its base images
/// cannot be pulled here, so they are local stand-ins made by tests/container/make-base-images (Debian 12 from
/// debootstrap for debian:bookworm-slim; that plus this machine's .NET SDK for the SDK image): the build
/// arguments the Dockerfile takes for exactly that. Everything else is real: podman, podman-compose with the
/// project's compose.yaml and an .env as the README describes, the published port, the volumes, PUID:PGID.
/// </summary>
[Collection(nameof(Isolated))]
[Trait("Speed", "Slow")]
public sealed class PodmanTests(ITestOutputHelper output) : IDisposable
{
    private const string Image = "localhost/tagworker:latest";
    private const string Owner = "1234";
    private static readonly string Conf = Path.Combine(Repo.Root, "tests", "container", "containers.conf");
    private readonly TempDir _project = new("compose");
    private readonly List<string> _containers = [];

    private static Dictionary<string, string?> Env => new() { ["CONTAINERS_CONF"] = Conf };

    private static ProcessResult Run(string file, params string[] args) =>
        Shell.Run(file, args, Env, TimeSpan.FromMinutes(15));

    private static ProcessResult Podman(params string[] args) => Run("podman", args);

    [Fact]
    public async Task The_image_builds_and_runs_as_compose_starts_it_and_survives_what_a_NAS_does_to_it()
    {
        var clock = Stopwatch.StartNew();
        var bases = Run(Path.Combine(Repo.Root, "tests", "container", "make-base-images"));
        Assert.True(bases.ExitCode == 0, bases.Error);
        var (runtimeBase, sdkBase) = (bases.Output.Trim().Split(' ')[0], bases.Output.Trim().Split(' ')[1]);
        var baseSeconds = clock.Elapsed.TotalSeconds;
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        Directory.CreateDirectory(nuget);
        List<string> build =
        [
            "build",
            "--format",
            "docker",
            "-t",
            Image,
            "--build-arg",
            $"BUILD_IMAGE={sdkBase}",
            "--build-arg",
            $"RUNTIME_IMAGE={runtimeBase}",
            "-v",
            $"{nuget}:/root/.nuget/packages",
        ]; // NuGet's cache, as BuildKit's cache mounts would keep it; never in the image
        if (File.Exists("/etc/ssl/certs/ca-certificates.crt"))
        {
            build.AddRange(["-v", "/etc/ssl/certs/ca-certificates.crt:/etc/host-ca.crt:ro"]); // this host's TLS-inspecting proxy
        }
        var built = Podman([.. build, Repo.Root]);
        Assert.True(
            built.ExitCode == 0,
            built.Output[^Math.Min(3000, built.Output.Length)..] + built.Error[^Math.Min(3000, built.Error.Length)..]
        );
        var size = long.Parse(
            Podman("image", "inspect", "--format", "{{.Size}}", Image).Output.Trim(),
            System.Globalization.CultureInfo.InvariantCulture
        );
        output.WriteLine(
            $"base images {baseSeconds:F0} s, build {clock.Elapsed.TotalSeconds - baseSeconds:F0} s, image {size / 1e6:F0} MB (on a {runtimeBase} stand-in)"
        );
        Assert.NotEqual(
            0,
            Podman(
                "run",
                "--rm",
                "--entrypoint",
                "sh",
                Image,
                "-c",
                "command -v dotnet || command -v gcc || ls /usr/share/dotnet/sdk"
            ).ExitCode
        ); // no SDK, no compiler

        // The project folder a NAS owner makes: compose.yaml, an .env, the models copied in (README), the photos owned
        // by PUID.
        File.Copy(Path.Combine(Repo.Root, "compose.yaml"), _project.Combine("compose.yaml"));
        var photos = _project.Combine("photos");
        Directory.CreateDirectory(photos);
        foreach (var photo in new[] { "obama_1.jpg", "obama_2.jpg", "group_obama_biden.jpg", "bus.jpg" })
        {
            File.Copy(Path.Combine(Repo.Photos, photo), Path.Combine(photos, photo));
        }
        Assert.Equal(
            0,
            Shell
                .Run("vips", "copy", Path.Combine(Repo.Photos, "biden_1.jpg"), Path.Combine(photos, "biden_1.heic"))
                .ExitCode
        ); // an iPhone photo
        Run("chown", "-R", $"{Owner}:{Owner}", photos);
        Run("find", photos, "-type", "f", "-exec", "touch", "-d", "1 hour ago", "{}", "+");
        Directory.CreateDirectory(_project.Combine("tagworker", "models"));
        foreach (var model in Directory.GetFiles(Repo.Models, "*.onnx"))
        {
            File.Copy(model, _project.Combine("tagworker", "models", Path.GetFileName(model)));
        }
        var port = AppProcess.FreePort();
        File.WriteAllText(
            _project.Combine(".env"),
            $"PHOTOS={photos}\nPUID={Owner}\nPGID={Owner}\nTZ=Europe/Berlin\nTAGWORKER_PORT={port}\nTAGWORKER_TOKEN=\n"
        );

        _containers.Add("tagworker");
        Compose("up", "-d");
        var first = await WaitHealthy("tagworker", TimeSpan.FromSeconds(60));
        var token = File.ReadAllText(_project.Combine("tagworker", "data", "auth-token")).Trim();
        using var api = Api(port, token);
        var status = await WaitFor(
            api,
            s => s.GetProperty("counts").GetProperty("photos").GetProperty("analyzed").GetInt32() == 5,
            TimeSpan.FromSeconds(180)
        );
        Assert.Equal(0, status.GetProperty("counts").GetProperty("photos").GetProperty("failed").GetInt32());
        var logs = Podman("logs", "tagworker");
        var log = logs.Output + logs.Error;
        output.WriteLine($"healthy after {first.TotalSeconds:F0} s; first-start log:\n{log}");
        Assert.Contains($"running as {Owner}:{Owner}", log, StringComparison.Ordinal);
        Assert.Contains(
            "Generated a token for the review site and API: it is in /data/auth-token",
            log,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("telemetry", log, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("700", Shell.Run("stat", "-c", "%a", _project.Combine("tagworker", "data")).Output.Trim());

        // A name given through the API, approved, written as a sidecar the library's owner owns.
        var person = await NameLargestGroup(api, "Barack Obama");
        (await api.PostAsJsonAsync("/api/writeback/approve", new { person_id = person })).EnsureSuccessStatusCode();
        (await api.PostAsync("/api/writeback/apply", null)).EnsureSuccessStatusCode();
        var sidecar = Path.Combine(photos, "obama_1.jpg.xmp");
        Assert.True(
            File.Exists(sidecar) && File.ReadAllText(sidecar).Contains("Barack Obama", StringComparison.Ordinal)
        );
        Assert.Equal($"{Owner}:{Owner}", Shell.Run("stat", "-c", "%u:%g", sidecar).Output.Trim());

        // docker compose stop: SIGTERM, a clean exit well within the grace period.
        var stopping = Stopwatch.StartNew();
        Compose("stop");
        output.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:F1} s");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"took {stopping.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("0", Podman("inspect", "--format", "{{.State.ExitCode}}", "tagworker").Output.Trim());

        // Started again: people, decisions and the token are all still there.
        Compose("up", "-d");
        await WaitHealthy("tagworker", TimeSpan.FromSeconds(60));
        var people = JsonDocument.Parse(await Retry(() => api.GetStringAsync("/api/people"))).RootElement;
        Assert.Contains(people.GetProperty("items").EnumerateArray(), p =>
            p.GetProperty("name").GetString() == "Barack Obama"
        );
        Assert.True(
            JsonDocument.Parse(await api.GetStringAsync("/api/decisions")).RootElement.GetProperty("total").GetInt32()
                >= 1
        );
        Compose("down");
        _containers.Clear();

        await ReadOnlyLibraryWithAMirror(token);
        await AMissingModelMakesItUnhealthyNotACrashLoop();
        output.WriteLine($"whole test {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>The library mounted read-only: sidecars go to the mirror folder in /data, owned by PUID.</summary>
    private async Task ReadOnlyLibraryWithAMirror(string token)
    {
        var data = _project.Combine("ro-data");
        Directory.CreateDirectory(data);
        var port = AppProcess.FreePort();
        Start(
            "tagworker-ro",
            port,
            data,
            [$"{_project.Combine("photos")}:/photos:ro"],
            "-e",
            "TagWorker__WriteBack__SidecarMirror=/data/sidecars",
            "-e",
            $"TagWorker__Auth__Token={token}",
            "-e",
            "TagWorker__Faces__RegroupEveryPhotos=1",
            "-e",
            "TagWorker__Faces__RegroupMinMinutes=0"
        );
        using var api = Api(port, token);
        await WaitFor(
            api,
            s => s.GetProperty("counts").GetProperty("photos").GetProperty("analyzed").GetInt32() == 5,
            TimeSpan.FromSeconds(180)
        );
        var before = Directory.GetFiles(_project.Combine("photos")).Length;
        var person = await NameLargestGroup(api, "Obama Mirror");
        (await api.PostAsJsonAsync("/api/writeback/approve", new { person_id = person })).EnsureSuccessStatusCode();
        var report = JsonDocument
            .Parse(await (await api.PostAsync("/api/writeback/apply", null)).Content.ReadAsStringAsync())
            .RootElement;
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        var mirrored = Path.Combine(data, "sidecars", "obama_1.jpg.xmp");
        Assert.True(
            File.Exists(mirrored) && File.ReadAllText(mirrored).Contains("Obama Mirror", StringComparison.Ordinal),
            report.ToString()
        );
        Assert.Equal($"{Owner}:{Owner}", Shell.Run("stat", "-c", "%u:%g", mirrored).Output.Trim());
        Assert.Equal(before, Directory.GetFiles(_project.Combine("photos")).Length); // nothing written into the read-only library
        Podman("stop", "-t", "15", "tagworker-ro");
    }

    /// <summary>No models and no way to fetch them: one clear log line, /healthz unhealthy, the container keeps
    /// running.</summary>
    private async Task AMissingModelMakesItUnhealthyNotACrashLoop()
    {
        var data = _project.Combine("nomodel-data");
        Directory.CreateDirectory(data);
        var models = _project.Combine("nomodel-models");
        Directory.CreateDirectory(models);
        Start(
            "tagworker-nomodel",
            AppProcess.FreePort(),
            data,
            [$"{_project.Combine("photos")}:/photos:ro", $"{models}:/models"],
            "--network",
            "none",
            "-e",
            "TAGWORKER_MODELS_SOURCE=/nowhere"
        );
        var deadline = DateTime.UtcNow.AddSeconds(90);
        string log;
        do
        {
            await Task.Delay(2000);
            var logs = Podman("logs", "tagworker-nomodel");
            log = logs.Output + logs.Error;
        } while (!log.Contains("Cannot analyse photos", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        output.WriteLine($"missing model log:\n{log}");
        Assert.Contains("some models are missing from /models", log, StringComparison.Ordinal);
        Assert.Contains("Cannot analyse photos: model file /models/", log, StringComparison.Ordinal);
        var health = Podman("healthcheck", "run", "tagworker-nomodel");
        Assert.NotEqual(0, health.ExitCode);
        await Task.Delay(TimeSpan.FromSeconds(35)); // a retry later: still running, still one line, no restart
        Assert.Equal(
            "running 0",
            Podman("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", "tagworker-nomodel").Output.Trim()
        );
        var again = Podman("logs", "tagworker-nomodel");
        Assert.Equal(1, (again.Output + again.Error).Split("Cannot analyse photos").Length - 1);
    }

    private void Start(string name, int port, string data, string[] volumes, params string[] more)
    {
        _containers.Add(name);
        var models = _project.Combine("tagworker", "models");
        List<string> args =
        [
            "run",
            "-d",
            "--name",
            name,
            "-p",
            $"127.0.0.1:{port}:8080",
            "-e",
            $"PUID={Owner}",
            "-e",
            $"PGID={Owner}",
            "-v",
            $"{data}:/data",
            "-v",
            $"{_project.Combine("tagworker", "config")}:/config",
        ];
        if (!volumes.Any(v => v.Contains(":/models", StringComparison.Ordinal)))
        {
            args.AddRange(["-v", $"{models}:/models"]);
        }
        foreach (var volume in volumes)
        {
            args.AddRange(["-v", volume]);
        }
        var started = Podman([.. args, .. more, Image]);
        Assert.True(started.ExitCode == 0, started.Error);
    }

    private void Compose(params string[] args)
    {
        var run = Shell.Run(
            "podman-compose",
            ["-f", _project.Combine("compose.yaml"), .. args],
            Env,
            TimeSpan.FromMinutes(5)
        );
        Assert.True(run.ExitCode == 0, $"podman-compose {string.Join(' ', args)}: {run.Output}{run.Error}");
    }

    /// <summary>Runs the image's own HEALTHCHECK (podman runs it on a timer only under systemd) until it
    /// passes.</summary>
    private static async Task<TimeSpan> WaitHealthy(string name, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (Podman("healthcheck", "run", name).ExitCode != 0)
        {
            Assert.True(
                clock.Elapsed < within,
                $"{name} not healthy within {within.TotalSeconds} s: {Podman("logs", name).Error}"
            );
            await Task.Delay(1000);
        }
        return clock.Elapsed;
    }

    private static HttpClient Api(int port, string token)
    {
        var http = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<string> Retry(Func<Task<string>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (HttpRequestException) when (attempt < 30)
            {
                await Task.Delay(1000);
            }
        }
    }

    private static async Task<JsonElement> WaitFor(HttpClient api, Func<JsonElement, bool> done, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = JsonDocument.Parse(await Retry(() => api.GetStringAsync("/api/status"))).RootElement;
            if (done(status))
            {
                return status;
            }
            Assert.True(clock.Elapsed < within, $"not done within {within.TotalSeconds} s: {status}");
            await Task.Delay(1000);
        }
    }

    /// <summary>Names the group with the most faces once the grouping made one (it follows the analysis).</summary>
    private static async Task<long> NameLargestGroup(HttpClient api, string name)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var groups = JsonDocument
                .Parse(await api.GetStringAsync("/api/groups"))
                .RootElement.GetProperty("items")
                .EnumerateArray()
                .Where(g => g.GetProperty("faces").GetInt32() >= 2)
                .OrderByDescending(g => g.GetProperty("faces").GetInt32())
                .ToList();
            if (groups.Count > 0)
            {
                var id = groups[0].GetProperty("id").GetInt64();
                var named = await api.PostAsJsonAsync($"/api/people/{id}/name", new { name });
                Assert.Equal(HttpStatusCode.OK, named.StatusCode);
                return id;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "no group of faces formed");
            await Task.Delay(2000);
        }
    }

    public void Dispose()
    {
        foreach (var name in _containers)
        {
            Podman("rm", "-f", "-t", "0", name);
        }
        Podman("rm", "-f", "-t", "0", "tagworker-ro");
        Podman("rm", "-f", "-t", "0", "tagworker-nomodel");
        Run("rm", "-rf", _project.Path); // files written as PUID inside
        _project.Dispose();
    }
}
