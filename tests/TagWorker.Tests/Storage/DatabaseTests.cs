using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Storage;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Storage;

public sealed class DatabaseTests
{
    [Fact]
    public void A_new_database_is_migrated_to_the_latest_version_in_WAL_mode()
    {
        using var data = new TempDir("db");
        var database = new Database(Options.Create(new StorageOptions { Dir = data.Path }));

        using var connection = database.Open();

        Assert.Equal((long)Migrations.Latest, connection.Scalar("PRAGMA user_version"));
        Assert.Equal("wal", connection.Scalar("PRAGMA journal_mode"));
        Assert.Equal(1L, connection.Scalar("PRAGMA foreign_keys"));
        Assert.True(Migrations.Latest >= 1);
    }

    [Fact]
    public void Opening_again_keeps_the_data_and_does_not_migrate_twice()
    {
        using var data = new TempDir("db");
        using (var connection = new Database(Options.Create(new StorageOptions { Dir = data.Path })).Open())
        {
            connection.Execute("INSERT INTO photos (size, created_at, updated_at) VALUES (1, 'now', 'now')");
        }

        using var again = new Database(Options.Create(new StorageOptions { Dir = data.Path })).Open();

        Assert.Equal(1L, again.Scalar("SELECT count(*) FROM photos"));
    }

    [Fact]
    public void A_database_from_a_newer_TagWorker_is_refused_with_a_clear_message()
    {
        using var data = new TempDir("db");
        using (var raw = new SqliteConnection($"Data Source={Path.Combine(data.Path, "tagworker.db")};Pooling=False"))
        {
            raw.Open();
            raw.Execute("PRAGMA user_version = 999");
        }

        var error = Assert.Throws<InvalidOperationException>(() =>
            new Database(Options.Create(new StorageOptions { Dir = data.Path })).Open()
        );

        Assert.Contains("newer than this TagWorker knows", error.Message, StringComparison.Ordinal);
    }
}
