using System.ComponentModel.DataAnnotations;

namespace TagWorker.Pipeline;

public sealed class PipelineOptions
{
    public const string Section = "TagWorker:Pipeline";

    /// <summary>Analyse pending photos while serving; off leaves them pending.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Photos analysed at once, each by one thread from decode to embeddings; 0: one per core (as the
    /// container's CPU limit counts them). Every core stays busy whatever the mix of slow decodes
    /// (PNG, HEIC) and heavy inference (crowds); see docs/ARCHITECTURE.md for the measurements.
    /// </summary>
    [Range(0, 64)]
    public int Workers { get; set; }

    /// <summary>Photos waiting between stages (bounded: memory stays flat on any library size).</summary>
    [Range(1, 256)]
    public int QueueSize { get; set; } = 4;

    /// <summary>Minutes with nothing to analyse after which the models are released (memory back to the NAS).</summary>
    [Range(0.05, 1440)]
    public double ReleaseModelsAfterMinutes { get; set; } = 3;

    /// <summary>Seconds between looks for pending photos when nothing announced new ones.</summary>
    [Range(1, 3600)]
    public int IdlePollSeconds { get; set; } = 30;
}
