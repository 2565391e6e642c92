using System.Text.Json;
using System.Text.Json.Serialization;
using TagWorker.Imaging;

namespace TagWorker.Inference;

/// <summary>One model from models/manifest.json: where its file is and how to feed and read it.</summary>
public sealed record ModelSpec(
    string Name,
    string File,
    string Task,
    string? Format,
    TensorInput Input,
    double Confidence,
    double Iou,
    IReadOnlyList<string> Labels,
    IReadOnlyList<(double X, double Y)> Template,
    int Dimensions,
    string Path,
    double ClusterEps,
    double ClusterLink
);

/// <summary>Reads the model manifest, so swapping a model is a configuration change, not a code change.</summary>
public static class ModelManifest
{
    private sealed record InputJson(
        string Name,
        int Width,
        int Height,
        string Channels,
        float Mean,
        float Scale,
        float Pad,
        [property: JsonPropertyName("centre_pad")] bool CentrePad
    );

    private sealed record DefaultsJson(double Confidence, double Iou);

    private sealed record ClusteringJson(double Eps, double? Link);

    private sealed record ModelJson(
        string Name,
        string File,
        string Task,
        string? Format,
        InputJson Input,
        DefaultsJson? Defaults,
        string[]? Labels,
        double[][]? Template,
        int Dimensions,
        ClusteringJson? Clustering
    );

    private sealed record ManifestJson(ModelJson[] Models);

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static IReadOnlyList<ModelSpec> Load(string modelsDir)
    {
        var path = System.IO.Path.Combine(modelsDir, "manifest.json");
        if (!System.IO.File.Exists(path))
        {
            throw new OnnxException($"model manifest {path} not found");
        }
        var manifest = JsonSerializer.Deserialize<ManifestJson>(System.IO.File.ReadAllText(path), Options)
            ?? throw new OnnxException($"{path} is empty");
        return manifest
            .Models.Select(m => new ModelSpec(
                m.Name,
                m.File,
                m.Task,
                m.Format,
                new TensorInput(
                    m.Input.Width,
                    m.Input.Height,
                    m.Input.Channels.Equals("bgr", StringComparison.OrdinalIgnoreCase),
                    m.Input.Mean,
                    m.Input.Scale,
                    m.Input.Pad,
                    m.Input.CentrePad
                ),
                m.Defaults?.Confidence ?? 0.5,
                m.Defaults?.Iou ?? 0.5,
                m.Labels ?? [],
                (m.Template ?? []).Select(p => (p[0], p[1])).ToArray(),
                m.Dimensions,
                System.IO.Path.Combine(modelsDir, m.File),
                m.Clustering?.Eps ?? 0.5,
                // Without a measured value, groups merge only at DBSCAN's own threshold.
                m.Clustering?.Link
                    ?? 1 - (m.Clustering?.Eps ?? 0.5)
            ))
            .ToArray();
    }

    public static ModelSpec Find(IReadOnlyList<ModelSpec> models, string name, string task) =>
        models.FirstOrDefault(m => m.Name == name) is { } model
            ? model.Task == task
                ? model
                : throw new OnnxException($"model '{name}' is for {model.Task}, not {task}")
            : throw new OnnxException(
                $"model '{name}' is not in the manifest (known: {string.Join(", ", models.Select(m => m.Name))})"
            );
}
