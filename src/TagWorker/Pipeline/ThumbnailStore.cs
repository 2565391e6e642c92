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

    public string? SavePreview(long photoId, byte[]? jpeg) =>
        jpeg is null ? null : Save(Relative("previews", photoId, $"{photoId}.jpg"), jpeg);

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
        return faces
            .Select(
                (f, i) =>
                    f.Thumbnail is null ? null : Save(Relative("faces", photoId, $"{photoId}-{i}.jpg"), f.Thumbnail)
            )
            .ToArray();
    }

    public string FullPath(string relative) => Path.Combine(_root, relative);

    /// <summary>
    /// Deletes previews and face thumbnails whose photo is no longer in the database (a purge interrupted between its
    /// commit and the file deletions, or a database restored from an older copy); returns how many.
    /// </summary>
    public int DeleteOrphans(IReadOnlySet<long> photoIds, CancellationToken cancellationToken)
    {
        // A photo added after the ids were read has a larger id: its new files are never taken for orphans.
        var newest = photoIds.Count == 0 ? 0 : photoIds.Max();
        var deleted = 0;
        foreach (var kind in new[] { "previews", "faces" })
        {
            var folder = Path.Combine(_root, kind);
            if (!Directory.Exists(folder))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(folder, "*.jpg", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileNameWithoutExtension(file);
                var id = name.Split('-')[0];
                if (
                    long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var photoId)
                    && photoId <= newest
                    && !photoIds.Contains(photoId)
                )
                {
                    File.Delete(file);
                    deleted++;
                }
            }
        }
        return deleted;
    }

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
