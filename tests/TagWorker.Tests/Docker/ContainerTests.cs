using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using TagWorker.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace TagWorker.Tests.Docker;

/// <summary>
/// No Docker engine runs here (../shared/ENVIRONMENT.md), so these prove what can be proven: compose.yaml and the
/// Dockerfile name exactly what the app reads (docker/image.env is the one list both use), and the published app
/// started through the image's own entry point, with the image's paths under a temporary root, as an unprivileged
/// PUID, scans and analyses a library, answers /healthz and stops within 10 s of SIGTERM.
/// </summary>
public sealed class ContainerTests
{
    private static Dictionary<string, string> ImageEnv() =>
        File.ReadAllLines(Path.Combine(Repo.Root, "docker", "image.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    private static YamlMappingNode Service()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Repo.Root, "compose.yaml"));
        yaml.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        return (YamlMappingNode)services["tagworker"];
    }

    /// <summary>Every "TagWorker:Section" the app binds, with its settings' names.</summary>
    private static Dictionary<string, HashSet<string>> AppSettings() =>
        typeof(TagWorker.Hosting.CommandLine)
            .Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true })
            .ToDictionary(
                x => (string)x.Field!.GetRawConstantValue()!,
                x => x.Type.GetProperties().Select(p => p.Name).ToHashSet()
            );

    [Fact]
    public void Compose_and_the_Dockerfile_name_what_the_app_reads()
    {
        var env = ImageEnv();
        var service = Service();
        var settings = AppSettings();

        var targets = ((YamlSequenceNode)service["volumes"])
            .Select(v => v.ToString().Split(':').Last(s => s.StartsWith('/')))
            .ToHashSet();
        var expected = new[]
        {
            env["TagWorker__Library__Root"],
            env["TagWorker__Data__Dir"],
            Path.GetDirectoryName(env["TAGWORKER_CONFIG"])!,
            env["TagWorker__Inference__ModelsDir"],
        }.ToHashSet();
        Assert.Equal(expected, targets);

        var port = new Uri(env["TagWorker__Web__Urls"].Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
        Assert.Contains(
            $"${{TAGWORKER_PORT:-{port}}}:{port}",
            ((YamlSequenceNode)service["ports"]).Select(p => p.ToString())
        );
        var health = string.Join(
            ' ',
            ((YamlSequenceNode)((YamlMappingNode)service["healthcheck"])["test"]).Select(n => n.ToString())
        );
        Assert.Contains($"127.0.0.1:{port}/healthz", health, StringComparison.Ordinal);
        Assert.Equal("unless-stopped", service["restart"].ToString());
        // podman-compose 1.0.3 keeps "${X:-}" (an empty default) literally: the token would be that text.
        Assert.DoesNotContain(
            ":-}",
            File.ReadAllText(Path.Combine(Repo.Root, "compose.yaml")),
            StringComparison.Ordinal
        );
        Assert.True(service.Children.ContainsKey("cpus") && service.Children.ContainsKey("mem_limit"));

        foreach (
            var key in ((YamlMappingNode)service["environment"])
                .Children.Keys.Select(k => k.ToString())
                .Concat(env.Keys)
        )
        {
            if (key is "PUID" or "PGID" or "TZ" or "TAGWORKER_HOME" or "TAGWORKER_CONFIG")
            {
                continue;
            }
            var parts = key.Split("__");
            var section = string.Join(':', parts[..^1]);
            Assert.True(
                settings.TryGetValue(section, out var names) && names.Contains(parts[^1]),
                $"{key} is not a setting the app reads"
            );
        }

        var dockerfile = File.ReadAllText(Path.Combine(Repo.Root, "Dockerfile"));
        Assert.Contains("ENTRYPOINT [\"/app/docker/entrypoint.sh\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains(
            "COPY docker/image.env docker/entrypoint.sh /app/docker/",
            dockerfile,
            StringComparison.Ordinal
        );
        Assert.Contains($"EXPOSE {port}", dockerfile, StringComparison.Ordinal);
        foreach (var volume in expected)
        {
            Assert.Contains($"\"{volume}\"", dockerfile, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_published_app_started_like_the_image_analyses_a_library_and_stops_on_SIGTERM()
    {
        using var root = new TempDir("image");
        var app = root.Combine("app");
        var publish = Shell.Run(
            "dotnet",
            [
                "publish",
                Path.Combine(Repo.Root, "src", "TagWorker", "TagWorker.csproj"),
                "-c",
                "Release",
                "-o",
                app,
                "--nologo",
                "-v",
                "q",
            ],
            null,
            TimeSpan.FromMinutes(5)
        );
        Assert.True(publish.ExitCode == 0, publish.Output + publish.Error);
        // What the Dockerfile copies into /app besides the published app.
        Directory.CreateDirectory(Path.Combine(app, "models"));
        Directory.CreateDirectory(Path.Combine(app, "docker"));
        foreach (var file in new[] { "manifest.json", "fetch" })
        {
            File.Copy(Path.Combine(Repo.Root, "models", file), Path.Combine(app, "models", file));
        }
        foreach (var file in new[] { "image.env", "entrypoint.sh" })
        {
            File.Copy(Path.Combine(Repo.Root, "docker", file), Path.Combine(app, "docker", file));
        }
        Shell.Run("chmod", "755", Path.Combine(app, "docker", "entrypoint.sh"));
        Directory.CreateDirectory(root.Combine("photos"));
        foreach (var photo in new[] { "bus.jpg", "obama_1.jpg", "exif_orientation_6.jpg" })
        {
            File.Copy(Path.Combine(Repo.Photos, photo), root.Combine("photos", photo));
        }

        var port = AppProcess.FreePort();
        var env = new Dictionary<string, string?>
        {
            ["TAGWORKER_ROOT"] = root.Path,
            ["TAGWORKER_MODELS_SOURCE"] = Repo.Models, // stands in for the download on first start
            ["PUID"] = "65534",
            ["PGID"] = "65534",
            ["TagWorker__Auth__Token"] = ReviewApp.Token,
            ["TagWorker__Web__Urls"] = $"http://127.0.0.1:{port}",
            ["TagWorker__Library__SettleSeconds"] = "0",
        };
        using var process = Shell.Start(Path.Combine(app, "docker", "entrypoint.sh"), ["serve"], env);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"),
                Timeout = TimeSpan.FromSeconds(5),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReviewApp.Token);
            var analyzed = 0;
            for (var i = 0; i < 1200 && analyzed < 3 && !process.HasExited; i++)
            {
                await Task.Delay(100);
                try
                {
                    var status = JsonDocument.Parse(await http.GetStringAsync("/api/status")).RootElement;
                    analyzed = status.GetProperty("counts").GetProperty("photos").GetProperty("analyzed").GetInt32();
                }
                catch (HttpRequestException) { }
            }
            Assert.True(analyzed == 3, output.ToString());
            Assert.True((await http.GetAsync("/healthz")).IsSuccessStatusCode);
            Assert.True(File.Exists(root.Combine("config", "appsettings.json")));
            Assert.True(File.Exists(root.Combine("models", "manifest.json")));
            if (Shell.IsRoot)
            {
                Assert.Equal("65534", Shell.Run("stat", "-c", "%u", root.Combine("data")).Output.Trim());
                Assert.Contains("running as 65534:65534", output.ToString(), StringComparison.Ordinal);
            }

            var stopwatch = Stopwatch.StartNew();
            Shell.Run("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(15)), "did not stop after SIGTERM");
            Assert.True(
                stopwatch.Elapsed < TimeSpan.FromSeconds(10),
                $"took {stopwatch.Elapsed.TotalSeconds:F1} s to stop"
            );
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
