using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace TagWorker.Storage;

/// <summary>
/// Numbered, embedded .sql files (<c>001_name.sql</c>). <c>PRAGMA user_version</c> holds the
/// number of the last one applied; each runs in its own transaction with the version bump.
/// </summary>
public static class Migrations
{
    public static IReadOnlyList<(int Version, string Name)> All { get; } = Discover();

    public static int Latest => All.Count == 0 ? 0 : All[^1].Version;

    public static void Apply(SqliteConnection connection)
    {
        var current = Convert.ToInt32(connection.Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (current > Latest)
        {
            throw new InvalidOperationException(
                $"The database is at schema version {current}, newer than this TagWorker knows ({Latest}). Use a newer TagWorker or another data directory."
            );
        }
        foreach (var (version, name) in All.Where(m => m.Version > current))
        {
            using var transaction = connection.BeginTransaction();
            connection.Execute(Read(name), transaction: transaction);
            connection.Execute($"PRAGMA user_version = {version}", transaction: transaction);
            transaction.Commit();
        }
    }

    private static List<(int, string)> Discover()
    {
        const string prefix = "TagWorker.Storage.Migrations.";
        return Assembly
            .GetExecutingAssembly()
            .GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (int.Parse(n.AsSpan(prefix.Length, 3), CultureInfo.InvariantCulture), n))
            .OrderBy(m => m.Item1)
            .ToList();
    }

    private static string Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
