using System.ComponentModel.DataAnnotations;

namespace TagWorker.Pipeline;

public sealed class PipelineOptions
{
    public const string Section = "TagWorker:Pipeline";

    /// <summary>Analyse pending photos while serving; off leaves them pending.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Threads decoding ahead of the one inference thread; 0: cores - 1 (at least 1).</summary>
    [Range(0, 64)]
    public int DecodeThreads { get; set; }

    /// <summary>Inference threads sharing the model sessions; 0: one per core (measured best on 2 cores).</summary>
    [Range(0, 16)]
    public int InferenceThreads { get; set; }

    /// <summary>Photos waiting between stages (bounded: memory stays flat on any library size).</summary>
    [Range(1, 256)]
    public int QueueSize { get; set; } = 4;

    /// <summary>Seconds between looks for pending photos when nothing announced new ones.</summary>
    [Range(1, 3600)]
    public int IdlePollSeconds { get; set; } = 30;
}
