using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

/// <summary>The three model sessions in memory, with what their users need to know about them.</summary>
public sealed class AnalysisModels : IDisposable
{
    private AnalysisModels(
        ModelSpec objects,
        ModelSpec faces,
        ModelSpec embedding,
        OnnxModel objectModel,
        OnnxModel faceModel,
        OnnxModel embedModel
    )
    {
        Objects = objects;
        Faces = faces;
        Embedding = embedding;
        ObjectModel = objectModel;
        FaceModel = faceModel;
        EmbedModel = embedModel;
    }

    public ModelSpec Objects { get; }
    public ModelSpec Faces { get; }
    public ModelSpec Embedding { get; }
    public OnnxModel ObjectModel { get; }
    public OnnxModel FaceModel { get; }
    public OnnxModel EmbedModel { get; }

    public static AnalysisModels Load(
        OnnxRuntime runtime,
        InferenceOptions options,
        ImagingOptions imaging,
        ILogger logger
    )
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var manifest = ModelManifest.Load(options.ModelsDir);
        var objects = ModelManifest.Find(manifest, options.ObjectModel, "objects");
        var faces = ModelManifest.Find(manifest, options.FaceModel, "faces");
        var embedding = ModelManifest.Find(manifest, options.EmbeddingModel, "embedding");
        var opened = new List<OnnxModel>();
        try
        {
            opened.Add(runtime.Open(objects.Path));
            opened.Add(runtime.Open(faces.Path));
            opened.Add(runtime.Open(embedding.Path));
            var models = new AnalysisModels(objects, faces, embedding, opened[0], opened[1], opened[2]);
            // One run of each on a blank image: ONNX Runtime finishes preparing the graphs on the first run.
            using (var warmUp = new AnalysisWorker(models, imaging, options, () => { }))
            {
                warmUp.WarmUp();
            }
            logger.LogInformation(
                "Models ready in {Seconds:F1} s: objects {Objects}, faces {Faces}, embeddings {Embedder}",
                stopwatch.Elapsed.TotalSeconds,
                objects.Name,
                faces.Name,
                embedding.Name
            );
            return models;
        }
        catch
        {
            opened.ForEach(m => m.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        ObjectModel.Dispose();
        FaceModel.Dispose();
        EmbedModel.Dispose();
    }
}
