using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TagWorker.Tests.Support;

/// <summary>The real app started as its own process (serve), on a free loopback port.</summary>
public sealed class AppProcess : IDisposable
{
    private AppProcess(Process process, string url)
    {
        Process = process;
        Url = url;
        Http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer",
            ReviewApp.Token
        );
    }

    public Process Process { get; }
    public string Url { get; }
    public HttpClient Http { get; }

    public static async Task<AppProcess> StartAsync(
        string library,
        string data,
        IDictionary<string, string?>? environment = null
    )
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["TagWorker__Library__SettleSeconds"] = "0",
            ["TagWorker__Library__DebounceMs"] = "200",
            ["TAGWORKER_HOME"] = Repo.Root, // where the set-up put the models and ONNX Runtime
        };
        env.TryAdd("TagWorker__Auth__Token", ReviewApp.Token);
        var process = Shell.Start(
            "dotnet",
            [Repo.AppDll, "serve", "--library", library, "--data", data, "--urls", url],
            env
        );
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var app = new AppProcess(process, url);
        await app.WaitUntilAsync(
            async () => (await app.Http.GetAsync("/healthz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60)
        );
        return app;
    }

    /// <summary>Polls a condition (not a timing assertion: the limit only stops a hung test).</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException) { }
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"the app exited with {Process.ExitCode}");
            }
            if (stopwatch.Elapsed > limit)
            {
                throw new TimeoutException("condition not met in time");
            }
            await Task.Delay(100);
        }
    }

    public void Signal(string signal) =>
        Shell.Run("kill", $"-{signal}", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }
        Process.Dispose();
        Http.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
