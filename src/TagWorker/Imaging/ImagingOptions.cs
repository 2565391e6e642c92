using System.ComponentModel.DataAnnotations;

namespace TagWorker.Imaging;

public sealed class ImagingOptions
{
    public const string Section = "TagWorker:Imaging";

    /// <summary>Photos larger than this are refused before decoding (decompression bombs).</summary>
    [Range(1, 10_000)]
    public double MaxMegapixels { get; set; } = 200;

    /// <summary>
    /// Memory one decode may need, and all decodes together (MB). Most photos decode in parts (baseline JPEG,
    /// plain PNG, TIFF, WebP) and need little; an interlaced PNG, a progressive JPEG or a HEIC needs its whole
    /// image (or its coefficients) at once, so a small file can ask for gigabytes: those are refused above this.
    /// </summary>
    [Range(16, 65_536)]
    public int DecodeMemoryMb { get; set; } = 512;

    /// <summary>
    /// Longest side of the working copy the detectors and the aligner read. 1000 lets libjpeg shrink a
    /// 12 MP (4000 px) photo by 4 while loading: decode 76 ms instead of 124 ms at 1280.
    /// </summary>
    [Range(320, 8192)]
    public int WorkingSize { get; set; } = 1000;

    /// <summary>Threads libvips may use inside one decode.</summary>
    [Range(1, 64)]
    public int VipsThreads { get; set; } = 1;

    [Range(32, 1024)]
    public int FaceThumbnailSize { get; set; } = 160;

    [Range(64, 4096)]
    public int PreviewSize { get; set; } = 640;

    /// <summary>Long side of the photo page's large view, rendered from the photo when asked (0: the preview
    /// only).</summary>
    [Range(0, 4096)]
    public int ViewSize { get; set; } = 1600;

    [Range(30, 100)]
    public int JpegQuality { get; set; } = 85;
}
