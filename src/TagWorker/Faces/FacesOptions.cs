using System.ComponentModel.DataAnnotations;

namespace TagWorker.Faces;

public sealed class FacesOptions
{
    public const string Section = "TagWorker:Faces";

    /// <summary>Largest cosine distance between neighbours; null: the embedder's value in the model manifest.</summary>
    [Range(0.01, 1.99)]
    public double? Eps { get; set; }

    /// <summary>
    /// Groups (and good faces left alone) merge while the mean similarity between all their faces is at least this;
    /// null: the embedder's value in the model manifest. 1 turns the second stage off.
    /// </summary>
    [Range(-1.0, 1.0)]
    public double? LinkSimilarity { get; set; }

    /// <summary>Faces (counting itself) within Eps that make a face a core of a group.</summary>
    [Range(1, 100)]
    public int MinSamples { get; set; } = 2;

    /// <summary>Faces below these never seed or merge groups; they join the group they are clearly most like.</summary>
    [Range(0, 10_000)]
    public int MinFaceSize { get; set; } = 40;

    [Range(0.0, 1.0)]
    public double MinScore { get; set; } = 0.6;

    /// <summary>
    /// Variance of the Laplacian of the aligned face; below it a face is too blurry to seed a group.
    /// Measured on the shared photos: every labelled face 124 or more, the crowd's tiny upscaled faces 1-3.
    /// </summary>
    [Range(0.0, 100_000.0)]
    public double MinSharpness { get; set; } = 20;

    /// <summary>Up to this many faces DBSCAN is exact; above, an inverted-file index keeps it near N^1.5 (it may split,
    /// never merge).</summary>
    [Range(0, 100_000_000)]
    public int ExactUpTo { get; set; } = 10_000;

    /// <summary>A full regrouping follows this many newly analysed photos (new faces are assigned at once in
    /// between)...</summary>
    [Range(1, 1_000_000)]
    public int RegroupEveryPhotos { get; set; } = 5;

    /// <summary>While photos are being analysed, new faces are assigned at most this often (each round reads every
    /// person's profile).</summary>
    [Range(1, 3600)]
    public int AssignEverySeconds { get; set; } = 30;

    /// <summary>...but while a large import runs, at most once in this many minutes (a full pass grows with
    /// faces²).</summary>
    [Range(0, 1440)]
    public int RegroupMinMinutes { get; set; } = 10;
}
