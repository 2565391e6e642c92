using System.Globalization;

namespace TagWorker.Review;

/// <summary>How the pages show stored values to a person.</summary>
public static class Display
{
    /// <summary>A stored ISO time as the host's local time, to the minute ("3 Dec 2026, 19:23"); the ISO text if it
    /// does not parse.</summary>
    public static string When(string? iso) =>
        iso is null ? ""
        : DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? When(at)
        : iso;

    public static string When(DateTimeOffset? at) =>
        at is { } value
            ? TimeZoneInfo
                .ConvertTime(value, TimeZoneInfo.Local)
                .ToString("d MMM yyyy, HH:mm", CultureInfo.InvariantCulture)
            : "";

    /// <summary>A write's journal state in plain words.</summary>
    public static string WriteState(string state) =>
        state switch
        {
            "done" => "written",
            "undone" => "undone",
            "started" => "being written",
            "failed" => "not written:",
            _ => state,
        };
}
