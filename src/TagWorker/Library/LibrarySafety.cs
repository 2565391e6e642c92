using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.Library;

/// <summary>A removal held back: many files gone at once.</summary>
public sealed record RemovalHold(
    long Id,
    int Files,
    int Known,
    IReadOnlyList<string> Sample,
    int Passes,
    string CreatedAt,
    bool Confirmed
);

/// <summary>What the owner is asked before TagWorker lets go of photos: held removals, and removed photos holding
/// decisions.</summary>
public sealed class LibrarySafety(Database database, IOptions<StorageOptions> storage, TimeProvider clock)
{
    public RemovalHold? OpenHold()
    {
        using var connection = database.Open();
        return connection
            .Rows(
                """
                SELECT id, files, known, sample, passes, created_at, confirmed_at IS NOT NULL FROM removal_holds
                WHERE resolved_at IS NULL ORDER BY id DESC LIMIT 1
                """,
                r => new RemovalHold(
                    r.GetInt64(0),
                    r.GetInt32(1),
                    r.GetInt32(2),
                    JsonSerializer.Deserialize<string[]>(r.GetString(3)) ?? [],
                    r.GetInt32(4),
                    r.GetString(5),
                    r.GetBoolean(6)
                )
            )
            .FirstOrDefault();
    }

    /// <summary>The owner says the files are really gone: the next full pass removes them.</summary>
    public bool Confirm(long holdId)
    {
        using var connection = database.Open();
        return connection.Execute(
                "UPDATE removal_holds SET confirmed_at = $now WHERE id = $id AND resolved_at IS NULL",
                null,
                ("$now", clock.StoredNow()),
                ("$id", holdId)
            ) == 1;
    }

    /// <summary>Removed photos past the grace period that are kept only because they hold the owner's
    /// decisions.</summary>
    public long KeptForDecisions(int graceDays)
    {
        using var connection = database.Open();
        return Convert.ToInt64(
            connection.Scalar(
                """
                SELECT count(*) FROM photos p WHERE removed_at < $before
                  AND EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id AND (f.assigned_by = 'user' OR f.rejected IS NOT NULL))
                """,
                null,
                ("$before", Cutoff(graceDays))
            ),
            CultureInfo.InvariantCulture
        );
    }

    /// <summary>The owner lets them go: purged with their faces and thumbnails.</summary>
    public int PurgeKept(int graceDays)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var store = new LibraryStore(connection, transaction, clock.StoredNow());
        var (count, files) = store.PurgeRemovedBefore(
            DateTimeOffset.Parse(Cutoff(graceDays), CultureInfo.InvariantCulture),
            evenConfirmed: true
        );
        transaction.Commit();
        foreach (var file in files)
        {
            File.Delete(Path.Combine(storage.Value.Dir, file)); // paths made under the data folder by the thumbnail store
        }
        return count;
    }

    private string Cutoff(int graceDays) =>
        (clock.GetUtcNow() - TimeSpan.FromDays(graceDays)).ToString("O", CultureInfo.InvariantCulture);
}
