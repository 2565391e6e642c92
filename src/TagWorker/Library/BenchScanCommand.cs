using System.Diagnostics;
using System.Globalization;
using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.Library;

/// <summary>
/// <c>tagworker bench-scan [--files N] [--dir DIR] [--json]</c>: builds a library of N small files,
/// then times a first pass, an unchanged pass, and a pass after 1% of the files changed or moved,
/// next to the floor (<c>find</c> listing the same folder). Prints figures; asserts nothing.
/// </summary>
public static class BenchScanCommand
{
    public sealed record Pass(
        string Name,
        double Seconds,
        double FilesPerSecond,
        double PeakMemoryMb,
        double HeapMb,
        ScanResult Result
    );

    public sealed record Report(int Files, double FindSeconds, IReadOnlyList<Pass> Passes, double PeakMemoryMb);

    public static async Task<int> RunAsync(CommandLine cli)
    {
        var count = int.Parse(cli.Value("--files") ?? "100000", CultureInfo.InvariantCulture);
        var work = cli.Value("--dir") ?? Path.Combine(Path.GetTempPath(), $"tagworker-bench-{Environment.ProcessId}");
        var library = Path.Combine(work, "library");
        cli.Overrides["TagWorker:Library:Root"] = library;
        cli.Overrides["TagWorker:Data:Dir"] = Path.Combine(work, "data");
        cli.Overrides["TagWorker:Library:SettleSeconds"] = "0";
        cli.Overrides["TagWorker:Logging:Level"] = "Warning";
        try
        {
            Generate(library, count);
            var builder = AppHost.CreateCommandBuilder(cli);
            builder.AddStorage().AddLibrary();
            using var host = builder.Build();
            var reconciler = host.Services.GetRequiredService<Reconciler>();
            var passes = new List<Pass>
            {
                await TimeAsync("first", reconciler, count),
                await TimeAsync("unchanged", reconciler, count),
            };
            ChangeOnePercent(library, count);
            passes.Add(await TimeAsync("1% changed or moved", reconciler, count));
            var report = new Report(count, Find(library), passes, ProcessMemory.PeakMb());
            Print(cli, report);
            return 0;
        }
        finally
        {
            if (cli.Value("--dir") is null)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static async Task<Pass> TimeAsync(string name, Reconciler reconciler, int count)
    {
        var result = await reconciler.RunAsync(null, CancellationToken.None);
        return new Pass(
            name,
            result.Seconds,
            Math.Round(count / result.Seconds),
            ProcessMemory.PeakMb(),
            Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1),
            result
        );
    }

    private static string FilePath(string library, int i) =>
        Path.Combine(library, $"folder{i / 100:D4}", $"photo{i:D6}.jpg");

    private static void Generate(string library, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var path = FilePath(library, i);
            if (i % 100 == 0)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
            File.WriteAllText(path, $"not really a photo #{i}");
        }
    }

    private static void ChangeOnePercent(string library, int count)
    {
        var moved = Path.Combine(library, "moved");
        Directory.CreateDirectory(moved);
        for (var i = 0; i < count; i += 100)
        {
            File.AppendAllText(FilePath(library, i), " changed");
            File.Move(FilePath(library, i + 1), Path.Combine(moved, $"photo{i + 1:D6}.jpg"));
        }
    }

    private static double Find(string library)
    {
        var stopwatch = Stopwatch.StartNew();
        using var find = Process.Start(
            new ProcessStartInfo("find", [library, "-type", "f", "-printf", "%s %T@\n"])
            {
                RedirectStandardOutput = true,
            }
        )!;
        var lines = 0;
        while (find.StandardOutput.ReadLine() is not null)
        {
            lines++;
        }
        find.WaitForExit();
        return Math.Round(stopwatch.Elapsed.TotalSeconds, 3);
    }

    private static void Print(CommandLine cli, Report report)
    {
        if (cli.Has("--json"))
        {
            Json.Print(report);
            return;
        }
        Console.WriteLine(
            $"library of {report.Files} files; floor (find -printf size mtime): {report.FindSeconds:F2} s"
        );
        foreach (var pass in report.Passes)
        {
            var r = pass.Result;
            Console.WriteLine(
                $"  {pass.Name, -22} {pass.Seconds, 7:F2} s {pass.FilesPerSecond, 9:F0} files/s   new {r.New} changed {r.Changed} moved {r.Moved} removed {r.Removed} unchanged {r.Unchanged}   peak {pass.PeakMemoryMb:F0} MB, heap {pass.HeapMb:F0} MB"
            );
        }
        Console.WriteLine($"peak memory: {report.PeakMemoryMb:F0} MB");
    }
}
