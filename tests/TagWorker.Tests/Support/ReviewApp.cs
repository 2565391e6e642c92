using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace TagWorker.Tests.Support;

/// <summary>
/// The real app (ServeCommand, the same services and middleware) in a test server through WebApplicationFactory,
/// on a temporary library and data folder with a real SQLite file and the real models.
/// </summary>
public sealed class ReviewApp : WebApplicationFactory<Program>
{
    public const string Token = "test-token-0123456789";

    private readonly Dictionary<string, string?> _settings;

    public ReviewApp(string library, string data, IDictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>(Analyzers.Paths())
        {
            ["TagWorker:Library:Root"] = library,
            ["TagWorker:Data:Dir"] = data,
            ["TagWorker:Library:SettleSeconds"] = "0",
            ["TagWorker:Library:Watch"] = "false",
            ["TagWorker:Pipeline:Enabled"] = "false",
            ["TagWorker:WriteBack:ApplyEverySeconds"] = "0",
            ["TagWorker:Auth:Token"] = Token,
            // Every client of the test server has the same (no) address: tests that send wrong tokens on purpose must
            // not lock the others out. The limits have their own tests (LoginLimitTests, SessionTests).
            ["TagWorker:Auth:LoginAttemptsPerMinute"] = "1000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
    }

    /// <summary>A client that sends the Bearer token; no cookies, no redirects followed.</summary>
    public HttpClient Api()
    {
        var client = CreateClient(
            new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }
        );
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    public HttpClient Anonymous(bool cookies = false) =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = cookies });
}
