using System.Diagnostics;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>
/// <c>tagworker bench DIR [--json]</c>: indexes DIR into a temporary data folder, loads the models,
/// then runs the real pipeline over every photo (decode, objects, faces, align+embed, persist) and
/// prints photos/s, the median and total milliseconds of each stage, where each stage's threads
/// worked, waited for work or waited for the next stage, CPU-seconds, and memory (peak, and
/// resident at each quarter of the run, to show it stays flat). Prints figures; asserts nothing.
/// </summary>
public static class BenchCommand
{
    public sealed record Report(
        int Photos,
        long Analyzed,
        long Failed,
        long Faces,
        long Objects,
        double Seconds,
        double PhotosPerSecond,
        double FacesPerSecond,
        double CpuSeconds,
        double LoadSeconds,
        int Workers,
        StageTimes MedianMs,
        StageTimes TotalMs,
        IReadOnlyDictionary<Stage, StageClock> StageSeconds,
        double PeakMemoryMb,
        IReadOnlyList<double> ResidentMbByQuarter,
        double ManagedHeapMb,
        double ManagedCommittedMb
    );

    public static async Task<int> RunAsync(CommandLine cli)
    {
        var dir =
            cli.Arguments.Count == 1 && Directory.Exists(cli.Arguments[0])
                ? Path.GetFullPath(cli.Arguments[0])
                : throw new UsageException("bench needs one folder of photos");
        var data = Directory.CreateTempSubdirectory("tagworker-bench-").FullName;
        cli.Overrides["TagWorker:Library:Root"] = dir;
        cli.Overrides["TagWorker:Data:Dir"] = data;
        cli.Overrides["TagWorker:Library:SettleSeconds"] = "0";
        cli.Overrides["TagWorker:Logging:Level"] = cli.Overrides.GetValueOrDefault("TagWorker:Logging:Level")
            ?? "Warning";
        try
        {
            var builder = AppHost.CreateCommandBuilder(cli);
            builder.AddStorage().AddLibrary().AddPipeline(hosted: false);
            using var host = builder.Build();
            var scan = await host.Services.GetRequiredService<Reconciler>().RunAsync(null, CancellationToken.None);
            var pipeline = host.Services.GetRequiredService<AnalysisPipeline>();
            var stats = host.Services.GetRequiredService<PipelineStats>();
            var load = Stopwatch.StartNew();
            using (host.Services.GetRequiredService<PhotoAnalyzer>().NewWorker())
            {
                // Loads and warms the models before the clock starts; they stay loaded for the run.
            }
            var loadSeconds = load.Elapsed.TotalSeconds;
            Console.Error.WriteLine(
                $"bench: after the scan and model load: peak {ProcessMemory.PeakMb():F0} MB, resident {ProcessMemory.ResidentMb():F0} MB"
            );
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
                        quarters.Add(ProcessMemory.ResidentMb());
                    }
                    await Task.Delay(100, CancellationToken.None);
                }
            });
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            await pipeline.RunAsync(TimeSpan.Zero, CancellationToken.None);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            await sampling.CancelAsync();
            await sampler;
            var report = new Report(
                total,
                stats.Analyzed,
                stats.Failed,
                stats.Faces,
                stats.Objects,
                Math.Round(seconds, 2),
                Math.Round(stats.Analyzed / seconds, 2),
                Math.Round(stats.Faces / seconds, 2),
                Math.Round(cpuSeconds, 1),
                Math.Round(loadSeconds, 2),
                pipeline.Workers,
                stats.Medians(),
                stats.Totals(),
                stats.Clocks(),
                ProcessMemory.PeakMb(),
                quarters,
                Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0),
                Math.Round(GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0)
            );
            Print(cli, report);
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static void Print(CommandLine cli, Report r)
    {
        if (cli.Has("--json"))
        {
            Json.Print(r);
            return;
        }
        var m = r.MedianMs;
        var t = r.TotalMs;
        Console.WriteLine(
            $"{r.Analyzed} of {r.Photos} photos analysed ({r.Failed} failed), {r.Faces} faces, {r.Objects} objects, in {r.Seconds:F1} s"
        );
        Console.WriteLine(
            $"  {r.PhotosPerSecond:F2} photos/s, {r.FacesPerSecond:F2} faces/s; {r.CpuSeconds:F1} CPU-seconds; models loaded in {r.LoadSeconds:F1} s"
        );
        Console.WriteLine($"  {r.Workers} workers (each takes a photo from decode to embeddings)");
        Console.WriteLine(
            $"  median ms: decode {m.Decode:F0}, objects {m.Objects:F0}, faces {m.Faces:F0}, align+embed {m.Embed:F0}, persist {m.Persist:F0}"
        );
        Console.WriteLine(
            $"  total s:   decode {t.Decode / 1000:F1}, objects {t.Objects / 1000:F1}, faces {t.Faces / 1000:F1}, align+embed {t.Embed / 1000:F1}, persist {t.Persist / 1000:F1}"
        );
        foreach (var (stage, clock) in r.StageSeconds)
        {
            Console.WriteLine(
                $"  {stage, -9} threads: busy {clock.Busy, 6:F1} s, waiting for work {clock.Idle, 6:F1} s, waiting for the next stage {clock.Blocked, 6:F1} s"
            );
        }
        Console.WriteLine(
            $"  memory: peak {r.PeakMemoryMb:F0} MB; resident at each quarter: {string.Join(", ", r.ResidentMbByQuarter.Select(q => $"{q:F0}"))} MB; managed heap {r.ManagedHeapMb:F0} MB ({r.ManagedCommittedMb:F0} MB committed)"
        );
    }
}
