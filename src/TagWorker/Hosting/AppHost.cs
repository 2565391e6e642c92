using Serilog;
using Serilog.Events;

namespace TagWorker.Hosting;

/// <summary>
/// Builds hosts that read settings the same way: appsettings.json (TAGWORKER_CONFIG, else
/// config/appsettings.json under TAGWORKER_HOME, else the copy beside the binary), then
/// environment variables (TagWorker__Library__Root=...), then the command line. Relative paths in
/// settings are taken from TAGWORKER_HOME (default: the current folder).
/// </summary>
public static class AppHost
{
    private static readonly string[] PathKeys =
    [
        "TagWorker:Library:Root",
        "TagWorker:Data:Dir",
        "TagWorker:Inference:ModelsDir",
    ];

    public static string Home =>
        Path.GetFullPath(Environment.GetEnvironmentVariable("TAGWORKER_HOME") ?? Directory.GetCurrentDirectory());

    public static WebApplicationBuilder CreateWebBuilder(CommandLine cli)
    {
        // The application name finds the Razor Pages; set it, or a host started from another program (tests) finds
        // none.
        var builder = WebApplication.CreateBuilder(
            new WebApplicationOptions
            {
                ContentRootPath = AppContext.BaseDirectory,
                ApplicationName = typeof(AppHost).Assembly.GetName().Name,
            }
        );
        Configure(builder.Configuration, cli);
        AddLogging(builder, toStandardError: false);
        builder.WebHost.UseUrls(builder.Configuration[$"{WebOptions.Section}:Urls"] ?? new WebOptions().Urls);
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(8));
        // Nothing the site or the API takes is large (a name, a list of ids): a request body over this is refused with
        // 413 before it is read, not parsed for half a minute into 150 MB.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = WebOptions.MaxRequestBodyBytes);
        return builder;
    }

    /// <summary>For one-shot commands: logs go to standard error so standard output stays machine-readable.</summary>
    public static HostApplicationBuilder CreateCommandBuilder(CommandLine cli)
    {
        var builder = Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, DisableDefaults = true }
        );
        Configure(builder.Configuration, cli);
        AddLogging(builder, toStandardError: true);
        return builder;
    }

    private static void Configure(ConfigurationManager configuration, CommandLine cli)
    {
        // In-memory settings already there come from a host around us (a test server's settings): they stay, and win.
        var outer = configuration
            .Sources.OfType<Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource>()
            .ToList();
        configuration.Sources.Clear();
        var home = Home;
        var file = Environment.GetEnvironmentVariable("TAGWORKER_CONFIG")
            ?? new[]
            {
                Path.Combine(home, "config", "appsettings.json"),
                Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
            }.FirstOrDefault(File.Exists);
        if (file is not null)
        {
            configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }
        configuration.AddEnvironmentVariables();
        configuration.AddInMemoryCollection(cli.Overrides);
        outer.ForEach(configuration.Sources.Add);
        var resolved = PathKeys
            .Where(key => configuration[key] is { Length: > 0 } value && !Path.IsPathRooted(value))
            .ToDictionary(key => key, key => (string?)Path.GetFullPath(configuration[key]!, home));
        configuration.AddInMemoryCollection(resolved);
    }

    private static void AddLogging(IHostApplicationBuilder builder, bool toStandardError)
    {
        var level = Enum.TryParse<LogEventLevel>(builder.Configuration["TagWorker:Logging:Level"], true, out var parsed)
            ? parsed
            : LogEventLevel.Information;
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            // "No XML encryptor configured" on every start: Linux has no DPAPI; the cookie keys live in the data folder
            // (mode 700).
            .MinimumLevel.Override(
                "Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager",
                LogEventLevel.Error
            )
            // A line per request with a wrong token would let a flood fill the log: FailedAuthentications sums them up.
            .MinimumLevel.Override("TagWorker.Review.BearerHandler", LogEventLevel.Warning)
            .Enrich.With<PlainLogValues>()
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: toStandardError ? LogEventLevel.Verbose : null,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture
            );
        var dataDir = builder.Configuration["TagWorker:Data:Dir"];
        if (!string.IsNullOrEmpty(dataDir))
        {
            logger.WriteTo.File(
                Path.Combine(dataDir, "logs", "tagworker-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14,
                fileSizeLimitBytes: 50 * 1024 * 1024,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture
            );
        }
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger.CreateLogger(), dispose: true);
    }
}

/// <summary>
/// A file name (or any value) with a line break or another control character cannot forge a log line: such values
/// are written escaped (a line break as \u000a), so every log line is one event.
/// </summary>
internal sealed class PlainLogValues : Serilog.Core.ILogEventEnricher
{
    public void Enrich(Serilog.Events.LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
    {
        List<Serilog.Events.LogEventProperty>? escaped = null; // nothing allocated for the ordinary event
        foreach (var (name, value) in logEvent.Properties)
        {
            if (value is Serilog.Events.ScalarValue { Value: string text } && text.Any(char.IsControl))
            {
                var plain = string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
                (escaped ??= []).Add(new Serilog.Events.LogEventProperty(name, new Serilog.Events.ScalarValue(plain)));
            }
        }
        escaped?.ForEach(logEvent.AddOrUpdateProperty);
    }
}
