using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Inference;
using TagWorker.Library;
using TagWorker.Pipeline;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>
/// <c>tagworker eval-faces --images DIR --labels CSV [--json]</c>: analyses the listed photos
/// (CSV <c>file,identity</c>; the labelled person is the photo's largest face) in a temporary data
/// folder with the production pipeline, groups all their faces with the production clustering and
/// settings, and prints BCubed and pairwise precision, recall and F1, the number of groups and the
/// share of labelled faces left unassigned.
/// </summary>
public static class EvalFacesCommand
{
    public sealed record Report(string Embedder, double Eps, int MinSamples, int Faces, ClusteringMetrics Metrics);

    public static async Task<int> RunAsync(CommandLine cli)
    {
        var images = Path.GetFullPath(cli.Value("--images") ?? throw new UsageException("eval-faces needs --images DIR"));
        var labelsFile = cli.Value("--labels") ?? throw new UsageException("eval-faces needs --labels CSV");
        var labels = File.ReadAllLines(labelsFile).Skip(1).Where(l => l.Contains(',', StringComparison.Ordinal))
            .Select(l => l.Split(',', 2)).Select(p => (File: p[0].Trim(), Identity: p[1].Trim())).ToList();
        var work = Directory.CreateTempSubdirectory("tagworker-eval-").FullName; // a fresh private folder
        var library = Path.Combine(work, "library");
        Directory.CreateDirectory(library);
        try
        {
            foreach (var (file, _) in labels)
            {
                // Copies, not links: the library follows no link that leads outside it.
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(library, file))!);
                File.Copy(Path.Combine(images, file), Path.Combine(library, file));
            }
            cli.Overrides["TagWorker:Library:Root"] = library;
            cli.Overrides["TagWorker:Data:Dir"] = Path.Combine(work, "data");
            cli.Overrides["TagWorker:Library:SettleSeconds"] = "0";
            cli.Overrides["TagWorker:Logging:Level"] = cli.Overrides.GetValueOrDefault("TagWorker:Logging:Level") ?? "Warning";
            var builder = AppHost.CreateCommandBuilder(cli);
            builder.AddStorage().AddLibrary().AddPipeline(hosted: false).AddFaces(hosted: false);
            using var host = builder.Build();
            await host.Services.GetRequiredService<Reconciler>().RunAsync(null, CancellationToken.None);
            await host.Services.GetRequiredService<AnalysisPipeline>().RunAsync(TimeSpan.Zero, CancellationToken.None);

            var report = Evaluate(host.Services, labels);
            Print(cli, report);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Report Evaluate(IServiceProvider services, List<(string File, string Identity)> labels)
    {
        // The production path: the same regrouping (and assignment) the worker runs, then each labelled face's person.
        var grouping = services.GetRequiredService<Grouping>();
        grouping.Regroup();
        using var connection = services.GetRequiredService<Database>().Open();
        var faces = (int)(long)connection.Scalar("SELECT count(*) FROM faces WHERE embedder = $m AND embedding IS NOT NULL", null, ("$m", grouping.Embedder))!;
        var predicted = labels.Select(l => FaceStore.LargestFace(connection, l.File) is { } face
            && connection.Scalar("SELECT person_id FROM faces WHERE id = $f", null, ("$f", face)) is long person
            ? (int)person : CosineDbscan.Noise).ToArray();
        return new Report(grouping.Embedder, grouping.Eps, services.GetRequiredService<IOptions<FacesOptions>>().Value.MinSamples, faces,
            ClusteringMetrics.Compute(labels.Select(l => l.Identity).ToArray(), predicted));
    }

    private static void Print(CommandLine cli, Report r)
    {
        if (cli.Has("--json"))
        {
            Json.Print(r);
            return;
        }
        var m = r.Metrics;
        Console.WriteLine($"{m.Items} labelled photos, {r.Faces} faces, {r.Embedder}, eps {r.Eps}, min_samples {r.MinSamples}");
        Console.WriteLine($"  BCubed    precision {m.BCubedPrecision:F3}  recall {m.BCubedRecall:F3}  F1 {m.BCubedF1:F3}");
        Console.WriteLine($"  pairwise  precision {m.PairwisePrecision:F3}  recall {m.PairwiseRecall:F3}  F1 {m.PairwiseF1:F3}");
        Console.WriteLine($"  {m.Clusters} groups; {m.Unassigned:P0} of labelled faces unassigned");
    }
}
