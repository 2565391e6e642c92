using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class SearchModel(PeopleReads people, PhotoReads photos, AlbumActions actions) : ReviewPageModel
{
    public SearchQuery Query { get; private set; } = new([], true, null, null, null, null);
    public Paged<PhotoSummary>? Results { get; private set; }
    public IReadOnlyList<PersonSummary> AllPeople { get; private set; } = [];
    public IReadOnlyList<LabelCount> Labels { get; private set; } = [];

    /// <summary>The search as a query string without the page number (for paging links and albums).</summary>
    public string QueryString { get; private set; } = "";

    public IActionResult OnGet() =>
        Show(() =>
        {
            AllPeople = people.People(null, 1, Paging.MaxPageSize).Items;
            Labels = photos.Labels();
            var q = Request.Query;
            Query = SearchQuery.Parse(
                string.Join(',', q["people"].ToArray()),
                q["match"],
                q["object"],
                q["from"],
                q["to"],
                q["folder"]
            );
            QueryString = string.Join(
                '&',
                q.Where(kv => kv.Key != "page")
                    .SelectMany(kv =>
                        kv.Value.Select(v => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(v ?? "")}")
                    )
            );
            if (!Query.IsEmpty)
            {
                Results = photos.Search(Query, PageNumber, 60);
            }
        });

    /// <summary>When nothing matched: what was asked, so the owner sees which part to loosen.</summary>
    public string WhyNothing()
    {
        var parts = new List<string>();
        var names = Query
            .People.Select(id => AllPeople.FirstOrDefault(p => p.Id == id)?.Name ?? $"person {id}")
            .ToArray();
        if (names.Length > 0)
        {
            parts.Add(
                names.Length == 1 ? names[0] : (Query.AllPeople ? "all of " : "any of ") + string.Join(", ", names)
            );
        }
        if (Query.Label is { } label)
        {
            parts.Add(
                Labels.Any(l => string.Equals(l.Label, label, StringComparison.OrdinalIgnoreCase))
                    ? $"the object {label}"
                    : $"the object {label} (found in no photo)"
            );
        }
        if (Query.From is { } from)
        {
            parts.Add($"taken on or after {from:yyyy-MM-dd}");
        }
        if (Query.To is { } to)
        {
            parts.Add($"taken on or before {to:yyyy-MM-dd}");
        }
        if (Query.Folder is { } folder)
        {
            parts.Add($"in the folder {folder}");
        }
        var hint =
            names.Length > 1 && Query.AllPeople ? " Try “any” instead of “all” people."
            : parts.Count > 1 ? " Try fewer conditions."
            : "";
        return $"No photo shows {string.Join("; ", parts)}.{hint}";
    }

    public IActionResult OnPostAlbum(string? search, string? name) =>
        Act(
            () =>
            {
                var query = SearchQuery.FromQueryString(search ?? "");
                if (query.IsEmpty)
                {
                    throw ReviewException.Invalid("search for something first");
                }
                actions.CreateAlbum(name, photos.SearchIds(query));
                return $"Made the album {ReviewActions.CleanName(name)}.";
            },
            "/albums"
        );
}
