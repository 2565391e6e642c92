using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>The owner's albums: created, renamed, filled, emptied and deleted, each checked first (404, 400).</summary>
public sealed class AlbumActions(Database database, TimeProvider clock)
{
    public long CreateAlbum(string? name, IReadOnlyList<long>? photoIds = null)
    {
        var clean = ReviewActions.CleanName(name);
        using var connection = database.Open();
        var id = (long)
            connection.Scalar(
                "INSERT INTO albums (name, created_at, updated_at) VALUES ($n, $now, $now) RETURNING id",
                null,
                ("$n", clean),
                ("$now", clock.StoredNow())
            )!;
        if (photoIds is { Count: > 0 })
        {
            AddToAlbum(id, photoIds);
        }
        return id;
    }

    public void RenameAlbum(long id, string? name)
    {
        var clean = ReviewActions.CleanName(name);
        using var connection = database.Open();
        if (
            connection.Execute(
                "UPDATE albums SET name = $n, updated_at = $now WHERE id = $id",
                null,
                ("$n", clean),
                ("$now", clock.StoredNow()),
                ("$id", id)
            ) == 0
        )
        {
            throw ReviewException.NotFound($"album {id}");
        }
    }

    public void DeleteAlbum(long id)
    {
        using var connection = database.Open();
        if (connection.Execute("DELETE FROM albums WHERE id = $id", null, ("$id", id)) == 0)
        {
            throw ReviewException.NotFound($"album {id}");
        }
    }

    public int AddToAlbum(long id, IReadOnlyList<long> photoIds)
    {
        ReviewActions.CheckBatch(photoIds, "photo_ids", allowLarge: true);
        using var connection = database.Open();
        AlbumExists(connection, id);
        using var transaction = connection.BeginTransaction();
        var missing = photoIds
            .Where(p =>
                connection.Scalar("SELECT 1 FROM photos WHERE id = $p AND removed_at IS NULL", transaction, ("$p", p))
                    is null
            )
            .ToArray();
        if (missing.Length > 0)
        {
            throw ReviewException.NotFound($"photo {missing[0]}");
        }
        var added = photoIds
            .Distinct()
            .Sum(p =>
                connection.Execute(
                    "INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at) VALUES ($a, $p, $now)",
                    transaction,
                    ("$a", id),
                    ("$p", p),
                    ("$now", clock.StoredNow())
                )
            );
        connection.Execute(
            "UPDATE albums SET updated_at = $now WHERE id = $id",
            transaction,
            ("$now", clock.StoredNow()),
            ("$id", id)
        );
        transaction.Commit();
        return added;
    }

    public int RemoveFromAlbum(long id, IReadOnlyList<long> photoIds)
    {
        ReviewActions.CheckBatch(photoIds, "photo_ids", allowLarge: true);
        using var connection = database.Open();
        AlbumExists(connection, id);
        using var transaction = connection.BeginTransaction();
        var removed = photoIds
            .Distinct()
            .Sum(p =>
                connection.Execute(
                    "DELETE FROM album_photos WHERE album_id = $a AND photo_id = $p",
                    transaction,
                    ("$a", id),
                    ("$p", p)
                )
            );
        transaction.Commit();
        return removed;
    }

    private static void AlbumExists(Microsoft.Data.Sqlite.SqliteConnection connection, long id)
    {
        if (connection.Scalar("SELECT 1 FROM albums WHERE id = $id", null, ("$id", id)) is null)
        {
            throw ReviewException.NotFound($"album {id}");
        }
    }
}
