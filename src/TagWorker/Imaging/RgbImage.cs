using System.Buffers;

namespace TagWorker.Imaging;

/// <summary>8-bit interleaved RGB pixels in a pooled buffer; return it with Dispose.</summary>
public sealed class RgbImage : IDisposable
{
    // Our own pool, not ArrayPool.Shared: photos need multi-megabyte buffers, and an idle worker
    // drops the whole pool (Release) so that memory goes back to the system.
    private static ArrayPool<byte> _pool = NewPool();
    private ArrayPool<byte>? _owner;
    private byte[]? _pixels;

    public RgbImage(int width, int height)
    {
        Width = width;
        Height = height;
        _owner = Volatile.Read(ref _pool);
        _pixels = _owner.Rent(width * height * 3);
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride => Width * 3;
    public Span<byte> Pixels => _pixels.AsSpan(0, Width * Height * 3);
    public byte[] Buffer => _pixels ?? throw new ObjectDisposedException(nameof(RgbImage));

    /// <summary>Forgets every pooled buffer (images in use return theirs to the old pool, which is then
    /// dropped).</summary>
    public static void ReleasePool() => Volatile.Write(ref _pool, NewPool());

    public void Dispose()
    {
        if (_pixels is not null)
        {
            _owner!.Return(_pixels);
            _pixels = null;
            _owner = null;
        }
    }

    // Up to 64 MB per buffer (a 4096 px working copy fits); a few buffers of each size.
    private static ArrayPool<byte> NewPool() => ArrayPool<byte>.Create(64 * 1024 * 1024, 8);
}
