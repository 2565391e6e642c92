using System.Globalization;

namespace TagWorker.Review;

/// <summary>
/// PictoPy-style search: people (all of them or any), an object label, a date range (inclusive days) and a folder;
/// parsed from the API's parameters or the search page's query string, with a clear error for each bad part.
/// </summary>
public sealed record SearchQuery(
    IReadOnlyList<long> People,
    bool AllPeople,
    string? Label,
    DateOnly? From,
    DateOnly? To,
    string? Folder
)
{
    public bool IsEmpty =>
        People.Count == 0
        && string.IsNullOrWhiteSpace(Label)
        && From is null
        && To is null
        && string.IsNullOrWhiteSpace(Folder);

    public static SearchQuery Parse(
        string? people,
        string? match,
        string? label,
        string? from,
        string? to,
        string? folder
    )
    {
        var ids = new List<long>();
        foreach (
            var part in (people ?? "").Split(
                ',',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
            )
        )
        {
            ids.Add(
                long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    ? id
                    : throw ReviewException.Invalid($"people lists person ids; '{part}' is not one")
            );
        }
        var all = match switch
        {
            null or "" or "all" => true,
            "any" => false,
            _ => throw ReviewException.Invalid("match is all or any"),
        };
        var (start, end) = (Date(from, "from"), Date(to, "to"));
        if (start > end)
        {
            throw ReviewException.Invalid(
                $"from ({start:yyyy-MM-dd}) is after to ({end:yyyy-MM-dd}): no photo can match"
            );
        }
        return new SearchQuery(
            ids,
            all,
            string.IsNullOrWhiteSpace(label) ? null : label.Trim(),
            start,
            end,
            string.IsNullOrWhiteSpace(folder) ? null : folder
        );
    }

    /// <summary>A search written as a query string ("people=1,2&amp;object=dog"), as the search page links to
    /// it.</summary>
    public static SearchQuery FromQueryString(string query)
    {
        var values = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(
            query.StartsWith('?') ? query : "?" + query
        );
        string? Get(string key) => values.TryGetValue(key, out var v) ? v.ToString() : null;
        return Parse(Get("people"), Get("match"), Get("object"), Get("from"), Get("to"), Get("folder"));
    }

    private static DateOnly? Date(string? text, string name) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateOnly.TryParseExact(
            text.Trim(),
            "yyyy-MM-dd",
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out var date
        )
            ? date
        : throw ReviewException.Invalid($"{name} is a date as yyyy-MM-dd");
}
