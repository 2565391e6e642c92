using System.Globalization;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>A photo's large view (the photo page), rendered on request and cached by the browser.</summary>
/// <param name="Jpeg">Empty when the browser's copy is still current (answer 304).</param>
public sealed record PhotoView(byte[] Jpeg, string ETag);

/// <summary>
/// The photo page's large view: rendered when asked from the photo's own file (its first present copy, a path from
/// the database, never from the request; read as analysis reads it, a symbolic link the library lists included), at
/// <see cref="ImagingOptions.ViewSize"/> on the long side, one at a time, with the decoder's checks and memory budget.
/// Nothing is stored: the stored preview stays small, the browser keeps the view.
/// </summary>
public sealed class PhotoViews(
    Database database,
    ImageDecoder decoder,
    IOptions<LibraryOptions> library,
    IOptions<ImagingOptions> imaging
) : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public void Dispose() => _one.Dispose();

    /// <summary>The view, or null when the photo has no readable file; <paramref name="ifNoneMatch"/> is the browser's
    /// ETag.</summary>
    public async Task<PhotoView?> RenderAsync(long photoId, string? ifNoneMatch, CancellationToken cancellationToken)
    {
        var size = imaging.Value.ViewSize;
        string? relative;
        using (var connection = database.Open())
        {
            relative = LibraryStore.PathsOf(connection, photoId).FirstOrDefault();
        }
        var root = Path.GetFullPath(library.Value.Root) + Path.DirectorySeparatorChar;
        var full = relative is null ? null : Path.GetFullPath(Path.Join(root, relative));
        var info = full is null || !full.StartsWith(root, StringComparison.Ordinal) ? null : new FileInfo(full);
        if (size == 0 || info is not { Exists: true })
        {
            return null;
        }
        var etag = string.Create(
            CultureInfo.InvariantCulture,
            $"\"{photoId}-{info.Length}-{info.LastWriteTimeUtc.Ticks}-{size}\""
        );
        if (ifNoneMatch == etag)
        {
            return new PhotoView([], etag);
        }
        await _one.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(
                () =>
                {
                    using var file = new FileStream(
                        info.FullName,
                        FileMode.Open,
                        FileAccess.Read,
                        FileShare.ReadWrite,
                        bufferSize: 0
                    );
                    using var photo = decoder.Decode(file, size);
                    return new PhotoView(JpegEncoder.Encode(photo.Image, size, imaging.Value.JpegQuality), etag);
                },
                cancellationToken
            );
        }
        catch (Exception e) when (e is ImagingException or IOException or UnauthorizedAccessException)
        {
            return null; // the page shows the stored preview instead
        }
        finally
        {
            _one.Release();
        }
    }
}
