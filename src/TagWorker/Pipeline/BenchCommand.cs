using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>
/// <c>tagworker bench DIR [--json]</c>: indexes DIR into a temporary data folder, runs the real
/// pipeline over every photo (decode, objects, faces, align+embed, persist) and prints photos/s,
/// faces/s, the median milliseconds of each stage, and memory (peak, and resident at each quarter
/// of the run, to show it stays flat). Prints figures; asserts nothing.
/// </summary>
public static class BenchCommand
{
    public sealed record Report(
        int Photos, long Analyzed, long Failed, long Faces, double Seconds, double PhotosPerSecond, double FacesPerSecond,
        StageTimes MedianMs, double PeakMemoryMb, IReadOnlyList<double> ResidentMbByQuarter);

    public static async Task<int> RunAsync(CommandLine cli)
    {
        var dir = cli.Arguments.Count == 1 && Directory.Exists(cli.Arguments[0])
            ? Path.GetFullPath(cli.Arguments[0])
            : throw new UsageException("bench needs one folder of photos");
        var data = Path.Combine(Path.GetTempPath(), $"tagworker-bench-{Environment.ProcessId}");
        cli.Overrides["TagWorker:Library:Root"] = dir;
        cli.Overrides["TagWorker:Data:Dir"] = data;
        cli.Overrides["TagWorker:Library:SettleSeconds"] = "0";
        cli.Overrides["TagWorker:Logging:Level"] = cli.Overrides.GetValueOrDefault("TagWorker:Logging:Level") ?? "Warning";
        try
        {
            var builder = AppHost.CreateCommandBuilder(cli);
            builder.AddStorage().AddLibrary().AddPipeline(hosted: false);
            using var host = builder.Build();
            var scan = await host.Services.GetRequiredService<Reconciler>().RunAsync(null, CancellationToken.None);
            var pipeline = host.Services.GetRequiredService<AnalysisPipeline>(); // loads and warms the models before timing
            var stats = host.Services.GetRequiredService<PipelineStats>();
            var total = scan.New;
            var quarters = new List<double>();
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    var done = stats.Analyzed + stats.Failed;
                    if (quarters.Count < 4 && done >= total * (quarters.Count + 1) / 4.0)
                    {
                        quarters.Add(ResidentMb());
                    }
                    await Task.Delay(100, CancellationToken.None);
                }
            });
            var stopwatch = Stopwatch.StartNew();
            await pipeline.RunAsync(untilIdle: true, CancellationToken.None);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            await sampling.CancelAsync();
            await sampler;
            var report = new Report(total, stats.Analyzed, stats.Failed, stats.Faces, Math.Round(seconds, 2),
                Math.Round(stats.Analyzed / seconds, 2), Math.Round(stats.Faces / seconds, 2), stats.Medians(),
                BenchScanCommand.PeakMemoryMb(), quarters);
            Print(cli, report);
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static double ResidentMb()
    {
        using var self = Process.GetCurrentProcess();
        return Math.Round(self.WorkingSet64 / 1048576.0);
    }

    private static void Print(CommandLine cli, Report r)
    {
        if (cli.Has("--json"))
        {
            Json.Print(r);
            return;
        }
        var m = r.MedianMs;
        Console.WriteLine($"{r.Analyzed} of {r.Photos} photos analysed ({r.Failed} failed), {r.Faces} faces, in {r.Seconds:F1} s");
        Console.WriteLine($"  {r.PhotosPerSecond:F2} photos/s, {r.FacesPerSecond:F2} faces/s");
        Console.WriteLine($"  median ms: decode {m.Decode:F0}, objects {m.Objects:F0}, faces {m.Faces:F0}, align+embed {m.Embed:F0}, persist {m.Persist:F0}");
        Console.WriteLine($"  memory: peak {r.PeakMemoryMb:F0} MB; resident at each quarter: {string.Join(", ", r.ResidentMbByQuarter.Select(q => $"{q:F0}"))} MB");
    }
}
