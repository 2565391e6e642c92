using System.Text.Json.Serialization;
using TagWorker.Hosting;
using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

/// <summary>
/// <c>tagworker analyze FILE... [--json]</c>: analyses files outside any library and prints one JSON
/// object per file (boxes as [x, y, w, h] in displayed-photo pixels, embeddings L2-normalised).
/// A file that cannot be analysed gets its error and the others go on; exit 1 if any failed.
/// </summary>
public static class AnalyzeCommand
{
    public sealed record ObjectJson(string Label, double Confidence, double[] Box);

    public sealed record FaceJson(double Confidence, double[] Box, double[][] Landmarks, float[]? Embedding);

    public sealed record FileJson(
        string File,
        int? Width,
        int? Height,
        int? Orientation,
        IReadOnlyList<ObjectJson> Objects,
        IReadOnlyList<FaceJson> Faces,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Error
    );

    public static int Run(CommandLine cli)
    {
        if (cli.Arguments.Count == 0)
        {
            throw new UsageException("analyze needs at least one file");
        }
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddAnalysis();
        using var host = builder.Build();
        var analyzer = host.Services.GetRequiredService<PhotoAnalyzer>();
        var failed = 0;
        foreach (var file in cli.Arguments)
        {
            var result = AnalyzeOne(analyzer, file);
            failed += result.Error is null ? 0 : 1;
            if (cli.Has("--json"))
            {
                Json.Print(result);
            }
            else
            {
                Console.WriteLine(
                    result.Error is null
                        ? $"{file}: {result.Width}x{result.Height} (orientation {result.Orientation}), {result.Faces.Count} faces, objects: "
                            + string.Join(", ", result.Objects.Select(o => $"{o.Label} {o.Confidence:F2}"))
                        : $"{file}: error: {result.Error}"
                );
            }
        }
        return failed == 0 ? 0 : 1;
    }

    public static FileJson AnalyzeOne(PhotoAnalyzer analyzer, string file)
    {
        try
        {
            var times = new StageTimes();
            using (var photo = analyzer.Decode(file, times))
            {
                var analysis = analyzer.Analyze(photo, thumbnails: false, preview: false, times);
                return new FileJson(
                    file,
                    analysis.Width,
                    analysis.Height,
                    analysis.Orientation,
                    analysis
                        .Objects.Select(o => new ObjectJson(o.Label, Math.Round(o.Confidence, 3), Xywh(o.Box)))
                        .ToArray(),
                    analysis
                        .Faces.Select(f => new FaceJson(
                            Math.Round(f.Confidence, 3),
                            Xywh(f.Box),
                            f.Landmarks.Select(p => new[] { Math.Round(p.X, 1), Math.Round(p.Y, 1) }).ToArray(),
                            f.Embedding
                        ))
                        .ToArray(),
                    null
                );
            }
        }
        catch (Exception e) when (e is ImagingException or IOException or UnauthorizedAccessException or OnnxException)
        {
            return new FileJson(file, null, null, null, [], [], e.Message);
        }
    }

    private static double[] Xywh(Box box) =>
        [Math.Round(box.X1, 1), Math.Round(box.Y1, 1), Math.Round(box.Width, 1), Math.Round(box.Height, 1)];
}
