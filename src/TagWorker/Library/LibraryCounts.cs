using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Library;

/// <summary>Photos by state and files by state: what <c>status</c> and <c>/api/status</c> report.</summary>
public sealed record LibraryCounts(
    IReadOnlyDictionary<string, long> Photos,
    IReadOnlyDictionary<string, long> Files,
    long DuplicateFiles
)
{
    public static readonly string[] PhotoStates = ["pending", "analyzed", "failed", "removed"];
    public static readonly string[] FileStates = ["present", "failed", "removed"];

    public static LibraryCounts Read(SqliteConnection connection)
    {
        var photos = PhotoStates.ToDictionary(s => s, _ => 0L);
        // Two indexed counts (photos_state, photos_removed) rather than one scan of every photo.
        Tally(photos, "SELECT state, count(*) FROM photos WHERE removed_at IS NULL GROUP BY state");
        photos["removed"] = (long)connection.Scalar("SELECT count(*) FROM photos WHERE removed_at IS NOT NULL")!;
        var files = FileStates.ToDictionary(s => s, _ => 0L);
        Tally(files, "SELECT state, count(*) FROM files GROUP BY state");
        var duplicates = (long)
            connection.Scalar(
                """
                SELECT count(*) - count(DISTINCT photo_id) FROM files WHERE state = 'present' AND photo_id IS NOT NULL
                """
            )!;
        return new LibraryCounts(photos, files, duplicates);

        void Tally(Dictionary<string, long> into, string sql)
        {
            using var command = connection.Command(sql);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                into[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
    }
}
