using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace TagWorker.Storage;

/// <summary>
/// Opens connections to the SQLite file in the data directory. Every connection runs in
/// WAL mode with a busy timeout and foreign keys on; the schema is migrated once, on first use.
/// </summary>
public sealed class Database(IOptions<StorageOptions> options)
{
    private readonly StorageOptions _options = options.Value;
    private readonly Lock _migrateLock = new();
    private bool _migrated;

    public string FilePath => Path.GetFullPath(_options.DatabasePath);

    public SqliteConnection Open()
    {
        EnsureMigrated();
        return OpenRaw();
    }

    /// <summary>Closes pooled idle connections (each keeps a page cache); the next Open starts a fresh one.</summary>
    public static void ReleaseIdleConnections() => SqliteConnection.ClearAllPools();

    private SqliteConnection OpenRaw()
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, _options.BusyTimeoutMs / 1000),
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        connection.Execute(
            $"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA foreign_keys = ON;
            PRAGMA busy_timeout = {_options.BusyTimeoutMs};
            """
        );
        return connection;
    }

    private void EnsureMigrated()
    {
        if (Volatile.Read(ref _migrated))
        {
            return;
        }
        lock (_migrateLock)
        {
            if (_migrated)
            {
                return;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            using var connection = OpenRaw();
            Migrations.Apply(connection);
            Volatile.Write(ref _migrated, true);
        }
    }
}
