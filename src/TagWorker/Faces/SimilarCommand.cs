using TagWorker.Hosting;
using TagWorker.Pipeline;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>
/// <c>tagworker similar (--face ID | --photo FILE) [--limit N] [--json]</c>: the faces and people most
/// like a stored face, or like the largest face in a photo from anywhere (analysed, not stored).
/// </summary>
public static class SimilarCommand
{
    public sealed record Report(
        long? Face,
        string? Photo,
        IReadOnlyList<SimilarFace> Faces,
        IReadOnlyList<SimilarPerson> People
    );

    public static int Run(CommandLine cli)
    {
        var limit = int.Parse(cli.Value("--limit") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
        var faceId = cli.Value("--face") is { } f
            ? long.Parse(f, System.Globalization.CultureInfo.InvariantCulture)
            : (long?)null;
        var photo = cli.Value("--photo");
        if (faceId is null == (photo is null))
        {
            throw new UsageException("similar needs either --face ID or --photo FILE");
        }
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddStorage().AddFaces(hosted: false);
        if (photo is null)
        {
            builder.AddAnalysisSettings();
        }
        else
        {
            builder.AddAnalysis();
        }
        using var host = builder.Build();
        var grouping = host.Services.GetRequiredService<Grouping>();
        using var connection = host.Services.GetRequiredService<Database>().Open();
        var embedding = faceId is { } id
            ? SimilarFaces.EmbeddingOf(connection, id)
                ?? throw new UsageException($"face {id} does not exist or has no embedding")
            : LargestFace(host.Services.GetRequiredService<PhotoAnalyzer>(), photo!);
        var (faces, people) = SimilarFaces.Find(connection, grouping.Embedder, embedding, limit, faceId);
        if (cli.Has("--json"))
        {
            Json.Print(new Report(faceId, photo, faces, people));
            return 0;
        }
        foreach (var person in people)
        {
            Console.WriteLine($"person {person.PersonId} {person.Name ?? "(unnamed)"}: {person.Similarity:F3}");
        }
        foreach (var face in faces)
        {
            Console.WriteLine($"face {face.FaceId} in photo {face.PhotoId}: {face.Similarity:F3}");
        }
        return 0;
    }

    private static float[] LargestFace(PhotoAnalyzer analyzer, string file)
    {
        var times = new StageTimes();
        var decoded = analyzer.Decode(file, times);
        using (decoded)
        {
            return analyzer
                .Analyze(decoded, thumbnails: false, preview: false, times)
                .Faces.Where(f => f.Embedding is not null)
                .OrderByDescending(f => f.Box.Area)
                .FirstOrDefault()
                ?.Embedding
                ?? throw new UsageException($"no face found in {file}");
        }
    }
}
