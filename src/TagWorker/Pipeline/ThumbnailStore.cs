using System.Globalization;
using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>
/// Face thumbnails and photo previews under the data folder, named by photo id (never by a path
/// from the library), so re-analysing a photo overwrites its own files and nothing else.
/// </summary>
public sealed class ThumbnailStore(IOptions<StorageOptions> storage)
{
    private readonly string _root = storage.Value.Dir;

    public string? SavePreview(long photoId, byte[]? jpeg) => jpeg is null ? null : Save(Relative("previews", photoId, $"{photoId}.jpg"), jpeg);

    public IReadOnlyList<string?> SaveFaces(long photoId, IReadOnlyList<FaceResult> faces)
    {
        var folder = Path.Combine(_root, "faces", Bucket(photoId));
        if (Directory.Exists(folder))
        {
            foreach (var old in Directory.EnumerateFiles(folder, $"{photoId}-*.jpg"))
            {
                File.Delete(old);
            }
        }
        return faces.Select((f, i) => f.Thumbnail is null ? null : Save(Relative("faces", photoId, $"{photoId}-{i}.jpg"), f.Thumbnail)).ToArray();
    }

    public string FullPath(string relative) => Path.Combine(_root, relative);

    private string Save(string relative, byte[] jpeg)
    {
        var full = FullPath(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, jpeg);
        return relative;
    }

    private static string Relative(string kind, long photoId, string name) => Path.Combine(kind, Bucket(photoId), name);

    private static string Bucket(long photoId) => (photoId % 256).ToString("x2", CultureInfo.InvariantCulture);
}
