using Microsoft.Extensions.Options;
using TagWorker.Storage;
using TagWorker.Tests.Support;
using TagWorker.WriteBack;

namespace TagWorker.Tests.WriteBack;

/// <summary>What an approval covers, on a real SQLite database.</summary>
public sealed class ApprovalTests : IDisposable
{
    private readonly TempDir _data = new("approvals");
    private readonly Database _database;

    public ApprovalTests() => _database = new Database(Options.Create(new StorageOptions { Dir = _data.Path }));

    public void Dispose() => _data.Dispose();

    [Fact]
    public void The_list_of_photos_to_write_never_waits_for_another_writer_and_catches_up_after()
    {
        using var connection = _database.Open();
        AddPhotos(connection);
        var options = new WriteBackOptions();
        var busyTimeout = connection.Scalar("PRAGMA busy_timeout");
        Assert.Equal(3, Changes.PendingPhotos(connection, options, 0, 10).Total);

        using (var other = _database.Open())
        {
            using var regrouping = other.BeginTransaction(deferred: false); // another writer holds the lock, as a long regrouping does
            other.Execute(
                """
                INSERT INTO written (photo_id, subject, value, entries) VALUES (1, 'person:1', 'Alice', '[]'), (1, 'object:dog', 'dog', '[]')
                """,
                regrouping
            ); // photo 1 written: nothing left to change there
            Assert.Equal(3, Changes.PendingPhotos(connection, options, 0, 10).Total); // the list as last evaluated, at once
            Assert.Equal(busyTimeout, connection.Scalar("PRAGMA busy_timeout"));
            regrouping.Commit();
        }

        Assert.Equal([3L, 2L], Changes.PendingPhotos(connection, options, 0, 10).Photos); // caught up once the lock is free
    }

    private static void AddPhotos(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        connection.Execute("INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Alice', 'now', 'now')");
        for (var photo = 1; photo <= 3; photo++)
        {
            connection.Execute(
                "INSERT INTO photos (id, size, state, created_at, updated_at) VALUES ($p, $p, 'analyzed', 'now', 'now')",
                null,
                ("$p", photo)
            );
            connection.Execute(
                """
                INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, person_id, assigned_by)
                VALUES ($p, 0, 0, 100, 100, x'', 0.9, 100, 50, 1, 'user')
                """,
                null,
                ("$p", photo)
            );
            connection.Execute(
                "INSERT INTO objects (photo_id, label, confidence, x, y, w, h) VALUES ($p, 'dog', 0.9, 0, 0, 10, 10)",
                null,
                ("$p", photo)
            );
        }
    }

    [Fact]
    public void Approving_names_only_leaves_object_labels_waiting()
    {
        using var connection = _database.Open();
        AddPhotos(connection);
        var options = new WriteBackOptions();

        var approved = Changes.Approve(connection, options, new ApprovalScope(PeopleOnly: true), "now");

        Assert.Equal(3, approved);
        var changes = Changes.Pending(connection, options, (IReadOnlyCollection<long>?)null);
        Assert.All(changes.Where(c => c.IsPerson), c => Assert.True(c.Approved));
        Assert.All(changes.Where(c => !c.IsPerson), c => Assert.False(c.Approved));
        Assert.Equal(3, changes.Count(c => !c.IsPerson));
    }

    [Fact]
    public void A_dropped_change_is_left_as_it_is_neither_added_nor_removed_nor_approved_until_it_is_let_go()
    {
        using var connection = _database.Open();
        AddPhotos(connection);
        var options = new WriteBackOptions();
        Changes.Approve(connection, options, new ApprovalScope(PhotoId: 2), "now");

        Assert.True(Changes.Hold(connection, options, 2, "person:1", "then"));
        Assert.False(Changes.Hold(connection, options, 2, "person:9", "then")); // no such change
        Assert.DoesNotContain(Changes.Pending(connection, options, 2L), c => c.Subject == "person:1");
        Assert.Contains(Changes.Pending(connection, options, 2L), c => c.Subject == "object:dog" && c.Approved); // the photo's other change stays
        Assert.Equal(3, Changes.PendingPhotos(connection, options, 0, 10).Total);
        Assert.Equal(4, Changes.Approve(connection, options, ApprovalScope.All, "now")); // photos 1 and 3: names and dogs
        Assert.Equal(
            0L,
            connection.Scalar("SELECT count(*) FROM approvals WHERE photo_id = 2 AND subject = 'person:1'")
        );
        Assert.Equal([new Hold(2, "person:1", "Alice", "then", null)], Changes.Holds(connection, 0, 10));

        // Written before and no longer wanted: a dropped removal keeps the name in the file.
        connection.Execute(
            "INSERT INTO written (photo_id, subject, value, entries) VALUES (3, 'person:1', 'Alice', '[]')"
        );
        connection.Execute("UPDATE faces SET rejected = 'stranger', person_id = NULL WHERE photo_id = 3");
        Assert.Contains(Changes.Pending(connection, options, 3L), c => c.Subject == "person:1" && c.After is null);
        Assert.True(Changes.Hold(connection, options, 3, "person:1", "then"));
        Assert.DoesNotContain(Changes.Pending(connection, options, 3L), c => c.Subject == "person:1");

        Assert.True(Changes.Release(connection, 2, "person:1"));
        Assert.False(Changes.Release(connection, 2, "person:1"));
        Assert.Contains(Changes.Pending(connection, options, 2L), c => c.Subject == "person:1" && !c.Approved);
        var maintained = Changes.PendingPhotos(connection, options, 0, 10).Photos.Order();
        Assert.Equal(
            Changes
                .Pending(connection, options, (IReadOnlyCollection<long>?)null)
                .Select(c => c.PhotoId)
                .Distinct()
                .Order(),
            maintained
        );
    }
}
