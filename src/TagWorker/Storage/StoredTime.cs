using System.Globalization;

namespace TagWorker.Storage;

/// <summary>How times are stored in SQLite: ISO 8601 round-trip text of UTC ("2026-12-03T10:00:00.0000000+00:00"),
/// which sorts as it reads.</summary>
public static class StoredTime
{
    public static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Now, as stored.</summary>
    public static string StoredNow(this TimeProvider clock) => Text(clock.GetUtcNow());
}
