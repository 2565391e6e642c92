using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Pipeline;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>
/// <c>tagworker eval-faces --images DIR --labels CSV [--work DIR] [--arrival N] [--json]</c>: analyses the listed
/// photos (CSV <c>file,identity</c>; the labelled person is the photo's largest face) in a temporary data folder
/// (or DIR, kept and reused) with the production pipeline, groups all their faces with the production regrouping
/// and settings, and prints BCubed and pairwise precision, recall and F1, the number of groups, the share of
/// labelled faces left unassigned, and how often a suggestion would name the right person. With
/// <c>--arrival N</c> the photos first arrive one at a time in a shuffled order, assigned as they come and
/// regrouped every N photos, as <c>serve</c> does; that is scored beside the full regrouping that follows.
/// </summary>
public static class EvalFacesCommand
{
    public sealed record Report(
        string Embedder,
        double Eps,
        double Link,
        int MinSamples,
        int Faces,
        ClusteringMetrics Metrics,
        ClusteringMetrics? Arrival,
        int? ArrivalRegroupEvery,
        EvalFacesMeasures.SuggestionReport Suggestions
    );

    public static async Task<int> RunAsync(CommandLine cli)
    {
        var images = Path.GetFullPath(
            cli.Value("--images") ?? throw new UsageException("eval-faces needs --images DIR")
        );
        var labelsFile = cli.Value("--labels") ?? throw new UsageException("eval-faces needs --labels CSV");
        var labels = File.ReadAllLines(labelsFile)
            .Skip(1)
            .Where(l => l.Contains(',', StringComparison.Ordinal))
            .Select(l => l.Split(',', 2))
            .Select(p => (File: p[0].Trim(), Identity: p[1].Trim()))
            .ToList();
        // --work DIR keeps the analysed photos, so a second run (another setting) only regroups.
        var kept = cli.Value("--work") is { } keep ? Path.GetFullPath(keep) : null;
        var work = kept ?? Directory.CreateTempSubdirectory("tagworker-eval-").FullName; // a fresh private folder
        var library = Path.Combine(work, "library");
        Directory.CreateDirectory(library);
        try
        {
            foreach (var (file, _) in labels)
            {
                // Copies, not links: the library follows no link that leads outside it.
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(library, file))!);
                if (!File.Exists(Path.Combine(library, file)))
                {
                    File.Copy(Path.Combine(images, file), Path.Combine(library, file));
                }
            }
            cli.Overrides["TagWorker:Library:Root"] = library;
            cli.Overrides["TagWorker:Data:Dir"] = Path.Combine(work, "data");
            cli.Overrides["TagWorker:Library:SettleSeconds"] = "0";
            cli.Overrides["TagWorker:Logging:Level"] = cli.Overrides.GetValueOrDefault("TagWorker:Logging:Level")
                ?? "Warning";
            var builder = AppHost.CreateCommandBuilder(cli);
            builder.AddStorage().AddLibrary().AddPipeline(hosted: false).AddFaces(hosted: false);
            using var host = builder.Build();
            await host.Services.GetRequiredService<Reconciler>().RunAsync(null, CancellationToken.None);
            await host.Services.GetRequiredService<AnalysisPipeline>().RunAsync(TimeSpan.Zero, CancellationToken.None);

            var arrival = cli.Value("--arrival") is { } n
                ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)
                : (int?)null;
            var report = Evaluate(host.Services, labels, arrival);
            Print(cli, report);
            return 0;
        }
        finally
        {
            if (kept is null)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static Report Evaluate(IServiceProvider services, List<(string File, string Identity)> labels, int? arrival)
    {
        // The production path: the same assignment and regrouping the worker runs, then each labelled face's person.
        var grouping = services.GetRequiredService<Grouping>();
        using var connection = services.GetRequiredService<Database>().Open();
        var labelled = labels.Select(l => (l.Identity, Face: FaceStore.LargestFace(connection, l.File))).ToArray();
        ClusteringMetrics? arrived = null;
        if (arrival is { } every)
        {
            EvalFacesMeasures.Arrive(connection, grouping, every, seed: 1);
            arrived = Score(connection, labelled);
        }
        grouping.Regroup();
        var faces = (int)
            (long)
                connection.Scalar(
                    "SELECT count(*) FROM faces WHERE embedder = $m AND embedding IS NOT NULL",
                    null,
                    ("$m", grouping.Embedder)
                )!;
        var identityOfFace = labelled.Where(l => l.Face is not null).ToDictionary(l => l.Face!.Value, l => l.Identity);
        return new Report(
            grouping.Embedder,
            grouping.Eps,
            grouping.Link,
            services.GetRequiredService<IOptions<FacesOptions>>().Value.MinSamples,
            faces,
            Score(connection, labelled),
            arrived,
            arrival,
            EvalFacesMeasures.Suggestions(connection, grouping.Embedder, identityOfFace)
        );
    }

    private static ClusteringMetrics Score(SqliteConnection connection, (string Identity, long? Face)[] labelled) =>
        ClusteringMetrics.Compute(
            labelled.Select(l => l.Identity).ToArray(),
            labelled
                .Select(l =>
                    l.Face is { } face
                    && connection.Scalar("SELECT person_id FROM faces WHERE id = $f", null, ("$f", face)) is long person
                        ? (int)person
                        : CosineDbscan.Noise
                )
                .ToArray()
        );

    private static void Print(CommandLine cli, Report r)
    {
        if (cli.Has("--json"))
        {
            Json.Print(r);
            return;
        }
        Console.WriteLine(
            $"{r.Metrics.Items} labelled photos, {r.Faces} faces, {r.Embedder}, eps {r.Eps}, link {r.Link}, min_samples {r.MinSamples}"
        );
        PrintMetrics("full regrouping", r.Metrics);
        if (r.Arrival is { } arrival)
        {
            PrintMetrics($"arriving one by one, regrouped every {r.ArrivalRegroupEvery}", arrival);
        }
        var s = r.Suggestions;
        Console.WriteLine(
            $"  suggestions with every other person's largest group named ({s.Groups} other groups, {s.Faces} faces in none):"
        );
        foreach (var (g, f) in s.ForGroups.Zip(s.ForFaces))
        {
            var likely = g.From == Suggestions.LikelyFrom ? "  <- shown as a question" : "";
            Console.WriteLine(
                $"    from {g.From:F2}: groups {g.Right}/{g.Shown} right ({g.Precision:F3}), faces {f.Right}/{f.Shown} right ({f.Precision:F3}){likely}"
            );
        }
    }

    private static void PrintMetrics(string title, ClusteringMetrics m)
    {
        Console.WriteLine($"  {title}:");
        Console.WriteLine(
            $"    BCubed    precision {m.BCubedPrecision:F3}  recall {m.BCubedRecall:F3}  F1 {m.BCubedF1:F3}"
        );
        Console.WriteLine(
            $"    pairwise  precision {m.PairwisePrecision:F3}  recall {m.PairwiseRecall:F3}  F1 {m.PairwiseF1:F3}"
        );
        Console.WriteLine($"    {m.Clusters} groups; {m.Unassigned:P0} of labelled faces unassigned");
    }
}
