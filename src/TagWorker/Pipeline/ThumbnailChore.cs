using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>Previews and face thumbnails of photos the database no longer has are deleted.</summary>
public sealed class ThumbnailChore(Database database, ThumbnailStore thumbnails) : IHousekeepingTask
{
    public string Name => "thumbnails";

    public string? Run(CancellationToken cancellationToken)
    {
        HashSet<long> photos;
        using (var connection = database.Open())
        {
            photos = [.. connection.Ids("SELECT id FROM photos", null)];
        }
        var deleted = thumbnails.DeleteOrphans(photos, cancellationToken);
        return deleted > 0 ? $"{deleted} previews and face thumbnails of purged photos deleted" : null;
    }
}
