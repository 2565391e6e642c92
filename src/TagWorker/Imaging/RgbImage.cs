using System.Buffers;

namespace TagWorker.Imaging;

/// <summary>8-bit interleaved RGB pixels in a pooled buffer; return it with Dispose.</summary>
public sealed class RgbImage : IDisposable
{
    private byte[]? _pixels;

    public RgbImage(int width, int height)
    {
        Width = width;
        Height = height;
        _pixels = ArrayPool<byte>.Shared.Rent(width * height * 3);
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride => Width * 3;
    public Span<byte> Pixels => _pixels.AsSpan(0, Width * Height * 3);
    public byte[] Buffer => _pixels ?? throw new ObjectDisposedException(nameof(RgbImage));

    public void Dispose()
    {
        if (_pixels is not null)
        {
            ArrayPool<byte>.Shared.Return(_pixels);
            _pixels = null;
        }
    }
}
