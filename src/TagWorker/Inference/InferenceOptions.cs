using System.ComponentModel.DataAnnotations;

namespace TagWorker.Inference;

public sealed class InferenceOptions
{
    public const string Section = "TagWorker:Inference";

    /// <summary>Folder holding the model files and manifest.json; relative to TAGWORKER_HOME.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ModelsDir { get; set; } = "models";

    /// <summary>Threads inside one inference. With 2 cores, 1 plus a concurrent decode stage measured best.</summary>
    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// One ONNX Runtime memory arena shared by the sessions, with memory patterns: +4% photos/s for +25 MB while models
    /// are loaded; freed with them when idle.
    /// </summary>
    public bool CpuArena { get; set; } = true;

    /// <summary>Manifest names of the models to use.</summary>
    public string ObjectModel { get; set; } = "yolov8n";
    public string FaceModel { get; set; } = "yolov8-lite-t-face";
    public string EmbeddingModel { get; set; } = "w600k_mbf";

    /// <summary>Null: the model's default from the manifest.</summary>
    public double? ObjectConfidence { get; set; }
    public double? ObjectIou { get; set; }
    public double? FaceConfidence { get; set; }
    public double? FaceIou { get; set; }

    /// <summary>PictoPy's shortcut: look for faces only when a person was detected.</summary>
    public bool FacesOnlyWithPerson { get; set; }

    /// <summary>Faces smaller than this (shorter side, displayed pixels) are not embedded.</summary>
    [Range(1, 10_000)]
    public int MinFaceSize { get; set; } = 20;
}
