using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>Face look-ups the commands share.</summary>
public static class FaceStore
{
    /// <summary>The largest face of the photo at <paramref name="path"/>, or null when it has none.</summary>
    public static long? LargestFace(SqliteConnection connection, string path) =>
        connection.Scalar(
            """
            SELECT f.id FROM faces f JOIN files x ON x.photo_id = f.photo_id WHERE x.path = $p AND x.state = 'present'
            ORDER BY f.w * f.h DESC LIMIT 1
            """,
            null,
            ("$p", path)
        ) as long?;
}
