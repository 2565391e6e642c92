using Microsoft.Data.Sqlite;

namespace TagWorker.Storage;

/// <summary>Small helpers so queries read as SQL with named parameters, nothing more.</summary>
public static class SqliteExtensions
{
    /// <summary>Text to match literally in <c>LIKE ... ESCAPE '\'</c>: its wildcards and backslashes escaped.</summary>
    public static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    public static SqliteCommand Command(
        this SqliteConnection connection,
        string sql,
        SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters
    )
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    public static int Execute(
        this SqliteConnection connection,
        string sql,
        SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters
    )
    {
        using var command = connection.Command(sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(
        this SqliteConnection connection,
        string sql,
        SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters
    )
    {
        using var command = connection.Command(sql, transaction, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>The first column of every row, as ids.</summary>
    public static List<long> Ids(
        this SqliteConnection connection,
        string sql,
        SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters
    ) => connection.Rows(sql, r => r.GetInt64(0), transaction, parameters);

    /// <summary>Every row, read by <paramref name="read"/>.</summary>
    public static List<T> Rows<T>(
        this SqliteConnection connection,
        string sql,
        Func<SqliteDataReader, T> read,
        SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters
    )
    {
        using var command = connection.Command(sql, transaction, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    public static long? GetNullableInt64(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    /// <summary>A float32 vector stored as a blob (face embeddings).</summary>
    public static float[] GetEmbedding(this SqliteDataReader reader, int ordinal) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(ordinal)).ToArray();

    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
