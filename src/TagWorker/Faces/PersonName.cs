namespace TagWorker.Faces;

/// <summary>
/// The one rule for people's names, checked when the owner types one (not when it is written):
/// names become keywords in every photo tool, and each reads some characters as structure. '/' and
/// '|' separate levels of a hierarchy (digiKam, Immich, Lightroom, darktable), '\' escapes in some,
/// ',' and ';' separate keywords (darktable, Windows). "Mindy Kaling/Writer" would become a tree in
/// Immich, and "O'Brien, Conan" lose "Conan" in darktable.
/// </summary>
public static class PersonName
{
    public const int MaxLength = 200;

    private static readonly char[] Separators = ['/', '|', '\\', ',', ';'];

    /// <summary>Why this name cannot be used, or null when it can.</summary>
    public static string? Problem(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxLength)
        {
            return $"a name has 1 to {MaxLength} characters";
        }
        if (trimmed.Any(char.IsControl))
        {
            return "a name cannot contain control characters";
        }
        if (trimmed.IndexOfAny(Separators) is var at and >= 0)
        {
            return $"a name cannot contain '{trimmed[at]}': photo tools read / | \\ as levels of a keyword hierarchy and , ; as the end of a keyword, "
                + "so the name would be split (write \"Conan O'Brien\", not \"O'Brien, Conan\")";
        }
        return null;
    }

    /// <summary>The name trimmed, or an <see cref="ArgumentException"/> saying why it cannot be used.</summary>
    public static string Clean(string? name) =>
        Problem(name) is { } problem ? throw new ArgumentException(problem, nameof(name)) : name!.Trim();
}
