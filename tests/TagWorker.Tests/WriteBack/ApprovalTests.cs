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
            other.Execute("""
                INSERT INTO written (photo_id, subject, value, entries) VALUES (1, 'person:1', 'Alice', '[]'), (1, 'object:dog', 'dog', '[]')
                """, regrouping); // photo 1 written: nothing left to change there
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
            connection.Execute("INSERT INTO photos (id, size, state, created_at, updated_at) VALUES ($p, $p, 'analyzed', 'now', 'now')", null, ("$p", photo));
            connection.Execute("""
                INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, person_id, assigned_by)
                VALUES ($p, 0, 0, 100, 100, x'', 0.9, 100, 50, 1, 'user')
                """, null, ("$p", photo));
            connection.Execute("INSERT INTO objects (photo_id, label, confidence, x, y, w, h) VALUES ($p, 'dog', 0.9, 0, 0, 10, 10)", null, ("$p", photo));
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
}
