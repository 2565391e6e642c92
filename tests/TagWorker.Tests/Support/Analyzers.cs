using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TagWorker.Hosting;
using TagWorker.Pipeline;

namespace TagWorker.Tests.Support;

/// <summary>The real analyzer (real ONNX Runtime, real models, real libvips) built the way the app builds it.</summary>
public sealed class Analyzers : IDisposable
{
    private readonly IHost _host;

    public Analyzers(IDictionary<string, string?>? settings = null)
    {
        var cli = CommandLine.Parse(["analyze"]);
        foreach (var (key, value) in Paths())
        {
            cli.Overrides[key] = value;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            cli.Overrides[key] = value;
        }
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddAnalysis();
        _host = builder.Build();
        Analyzer = _host.Services.GetRequiredService<PhotoAnalyzer>();
    }

    public PhotoAnalyzer Analyzer { get; }

    /// <summary>Where the set-up put the models, for any host a test builds.</summary>
    public static Dictionary<string, string?> Paths() => new() { ["TagWorker:Inference:ModelsDir"] = Repo.Models };

    public Analysis Analyze(string file, bool thumbnails = false) => Analyze(File.ReadAllBytes(file), thumbnails);

    public Analysis Analyze(byte[] bytes, bool thumbnails = false)
    {
        var times = new StageTimes();
        using (var photo = Analyzer.Decode(bytes, times))
        {
            return Analyzer.Analyze(photo, thumbnails, preview: thumbnails, times);
        }
    }

    public void Dispose() => _host.Dispose();
}

/// <summary>One analyzer with the reference pipeline's thresholds, shared by a test class (models load once).</summary>
public sealed class ReferenceAnalyzer : IDisposable
{
    public Analyzers Analyzers { get; } =
        new(
            new Dictionary<string, string?>
            {
                ["TagWorker:Inference:ObjectConfidence"] = "0.25",
                ["TagWorker:Inference:ObjectIou"] = "0.45",
            }
        );

    public void Dispose() => Analyzers.Dispose();
}
