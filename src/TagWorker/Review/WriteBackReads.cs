using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Storage;
using TagWorker.WriteBack;

namespace TagWorker.Review;

/// <summary>What the site and the API read about the write-back: what waits, what the owner held back, what was written.</summary>
public sealed class WriteBackReads(Database database, IOptions<WriteBackOptions> writeBack)
{
    /// <summary>The changes the owner dropped from the write-back list, newest first.</summary>
    public Paged<Hold> Holds(int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM write_holds")!;
        return new Paged<Hold>(Changes.Holds(connection, offset, s), p, s, total);
    }

    /// <summary>Photos with changes waiting to be written, with their changes (approved or not).</summary>
    public Paged<PendingPhoto> PendingWrites(long? personId, int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var (ids, total) = Changes.PendingPhotos(connection, writeBack.Value, offset, s, personId);
        var photos =
            ids.Count == 0
                ? []
                : PhotoReads.ReadPhotos(connection, $"WHERE ph.id IN ({string.Join(',', ids)}) ORDER BY ph.id DESC");
        var changes = Changes.Pending(connection, writeBack.Value, ids).ToLookup(c => c.PhotoId);
        var items = photos.Select(photo => new PendingPhoto(photo, changes[photo.Id].ToArray())).ToArray();
        return new Paged<PendingPhoto>(items, p, s, total);
    }

    public Paged<WriteItem> Writes(int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM writes")!;
        var items = ReadWrites(
            connection,
            "ORDER BY id DESC LIMIT $limit OFFSET $offset",
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<WriteItem>(items, p, s, total);
    }

    public WriteItem Write(long id)
    {
        using var connection = database.Open();
        return ReadWrites(connection, "WHERE id = $id", ("$id", id)).FirstOrDefault()
            ?? throw ReviewException.NotFound($"write {id}");
    }

    private static List<WriteItem> ReadWrites(
        SqliteConnection connection,
        string tail,
        params (string, object?)[] parameters
    ) =>
        connection.Rows(
            $"SELECT id, photo_id, path, mode, state, error, created_at, undone_at, added, removed FROM writes {tail}",
            r => new WriteItem(
                r.GetInt64(0),
                r.GetNullableInt64(1),
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                r.GetNullableString(5),
                r.GetString(6),
                r.GetNullableString(7),
                r.GetString(8),
                r.GetString(9)
            ),
            null,
            parameters
        );
}
