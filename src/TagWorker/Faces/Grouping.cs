using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Inference;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>The production grouping with its settings: the embedder and eps from the manifest unless
/// configured.</summary>
public sealed class Grouping(
    Database database,
    Regrouper regrouper,
    IOptions<FacesOptions> options,
    IOptions<InferenceOptions> inference
) : IDisposable
{
    private readonly Lazy<(string Embedder, double Eps, double Link)> _model = new(() =>
    {
        var spec = ModelManifest.Find(
            ModelManifest.Load(inference.Value.ModelsDir),
            inference.Value.EmbeddingModel,
            "embedding"
        );
        return (spec.Name, options.Value.Eps ?? spec.ClusterEps, options.Value.LinkSimilarity ?? spec.ClusterLink);
    });

    public string Embedder => _model.Value.Embedder;
    public double Eps => _model.Value.Eps;
    public double Link => _model.Value.Link;

    /// <summary>A full regrouping, then the faces still waiting assigned by the same rule as new ones.</summary>
    public Regrouper.Result Regroup()
    {
        var result = regrouper.Run(Embedder, Eps, Link);
        AssignWaiting();
        return result;
    }

    private int _assignRequested;

    /// <summary>Raised when the owner changed a person's faces: the people service wakes at once.</summary>
    public Signal Changed { get; } = new();

    /// <summary>
    /// Asks the people service to assign the waiting faces now: a decision made on a page changes a person's faces, and
    /// reading every profile belongs in the background, not in the owner's request.
    /// </summary>
    public void RequestAssignment()
    {
        Interlocked.Exchange(ref _assignRequested, 1);
        Changed.Raise();
    }

    /// <summary>True once per request made since the last call.</summary>
    public bool TakeAssignmentRequest() => Interlocked.Exchange(ref _assignRequested, 0) == 1;

    public void Dispose() => Changed.Dispose();

    public int AssignWaiting()
    {
        using var connection = database.Open();
        return Assigner.AssignWaiting(connection, Embedder, Link, QualityBar.From(options.Value));
    }
}
