namespace TagWorker.WriteBack;

/// <summary>One value in one XMP list, e.g. ("lr:hierarchicalSubject", "People|Alice"); Microsoft regions as
/// ("MP:RegionInfo", "name\trectangle").</summary>
public sealed record Entry(string Field, string Value);

/// <summary>Exactly what TagWorker added to a file for one subject: so it can later remove exactly that and nothing
/// else.</summary>
public sealed record Entries(IReadOnlyList<Entry> Fields, IReadOnlyList<Region> Regions)
{
    public static Entries None { get; } = new([], []);
}

/// <summary>What one subject should put into a file: its list values and, for a person, its face regions.</summary>
public sealed record Wanted(IReadOnlyList<Entry> Fields, IReadOnlyList<Region> Regions);

/// <summary>
/// What readers see of a photo from outside the packet being written: for a sidecar, the photo's own
/// XMP and IPTC keywords (Immich merges the sidecar over the photo key by key, digiKam lets the
/// sidecar's XMP replace the photo's); for the photo's own XMP, its IPTC keywords.
/// </summary>
public sealed record Inherited(XmpTree? Xmp, IReadOnlyList<string> IptcKeywords)
{
    public static Inherited Nothing { get; } = new(null, []);
}

/// <summary>
/// The reader-visible rule, applied to one packet: after a write, every reader shows what it showed
/// before plus the approved changes, minus only values TagWorker wrote earlier and the owner removed.
/// Readers take the first list they find (Immich: digiKam:TagsList, then lr:hierarchicalSubject, then
/// IPTC Keywords; digiKam: TagsList first; darktable: lr:hierarchicalSubject, else dc:subject), so a list
/// TagWorker creates starts with what that reader would otherwise have shown ("carried"); a sidecar's
/// regions replace the photo's in Immich, so they start with the photo's too. A name already on a face
/// gets no second region. Carried values are not TagWorker's: they stay when its own values go.
/// </summary>
public static class Xmp
{
    public const string NsDc = "http://purl.org/dc/elements/1.1/";
    public const string NsLr = "http://ns.adobe.com/lightroom/1.0/";
    public const string NsDigiKam = "http://www.digikam.org/ns/1.0/";
    public const string NsIptcExt = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
    public const string MpField = "MP:RegionInfo";

    /// <summary>The lists TagWorker writes: (field key, namespace, property, ordered when created).</summary>
    public static readonly (string Key, string Ns, string Name, bool Ordered)[] Lists =
    [
        ("dc:subject", NsDc, "subject", true), // a Seq: PhotoPrism's sidecar reader takes no other; every reader takes a Seq
        ("lr:hierarchicalSubject", NsLr, "hierarchicalSubject", false),
        ("digiKam:TagsList", NsDigiKam, "TagsList", true),
        ("Iptc4xmpExt:PersonInImage", NsIptcExt, "PersonInImage", false),
    ];

    /// <summary>The values a person or an object label stands for in each list.</summary>
    public static Wanted ForPerson(string name, IReadOnlyList<Region> regions, WriteBackOptions options) =>
        new(
            [
                new("dc:subject", name),
                new("lr:hierarchicalSubject", $"{options.PeoplePrefix}|{name}"),
                new("digiKam:TagsList", $"{options.PeoplePrefix}/{name}"),
                new("Iptc4xmpExt:PersonInImage", name),
                .. regions.Select(r => new Entry(MpField, $"{name}\t{XmpTree.MpRectangle(r)}")),
            ],
            regions
        );

    public static Wanted ForObject(string label, WriteBackOptions options) =>
        new(
            [
                new("dc:subject", label),
                new("lr:hierarchicalSubject", $"{options.ObjectsPrefix}|{label}"),
                new("digiKam:TagsList", $"{options.ObjectsPrefix}/{label}"),
            ],
            []
        );

    /// <summary>Removes exactly what TagWorker added before for a subject (what another program removed meanwhile is
    /// simply gone).</summary>
    public static void Remove(XmpTree tree, Entries previous)
    {
        foreach (var entry in previous.Fields)
        {
            if (entry.Field == MpField)
            {
                var (name, rectangle) = SplitMp(entry.Value);
                tree.RemoveMpRegion(name, rectangle);
            }
            else
            {
                var (ns, list, _) = List(entry.Field);
                tree.Remove(ns, list, entry.Value);
            }
        }
        foreach (var region in previous.Regions)
        {
            tree.RemoveRegion(region);
        }
    }

    /// <summary>
    /// Before any of TagWorker's values go in: every list and region list the write is about to create
    /// starts with what readers showed from elsewhere (computed once, from the packet as it is now, so
    /// TagWorker's own values are never carried), and dc:subject becomes a Seq. Returns what was carried,
    /// to be taken back out when the last of TagWorker's values leaves the file (<see cref="Uncarry"/>).
    /// </summary>
    /// <param name="ours">Every value TagWorker writes or wrote for this photo, anywhere: never carried as someone
    /// else's.</param>
    public static CarriedState Carry(
        XmpTree tree,
        IReadOnlyCollection<Wanted> wanted,
        IReadOnlySet<string> ours,
        (int W, int H) storedSize,
        Inherited inherited
    )
    {
        var before = Values(tree);
        var regionsBefore = tree.Regions() ?? [];
        CarryInto(tree, wanted, ours, storedSize, inherited);
        var ordered =
            wanted.SelectMany(w => w.Fields).Any(f => f.Field == "dc:subject") && tree.MakeOrdered(NsDc, "subject");
        var fields = new List<Entry>();
        foreach (var (key, values) in Values(tree))
        {
            var grown = new List<string>(values);
            before[key].ForEach(v => grown.Remove(v));
            fields.AddRange(grown.Select(v => new Entry(key, v)));
        }
        var regions = (tree.Regions() ?? []).ToList();
        regionsBefore.ForEach(r => regions.Remove(r));
        return new CarriedState(fields, regions, ordered);
    }

    /// <summary>Takes out what TagWorker carried into a file (its own values are gone): the readers' view is as
    /// before.</summary>
    public static void Uncarry(XmpTree tree, CarriedState carried)
    {
        Remove(tree, new Entries(carried.Fields, carried.Regions));
        if (carried.Ordered)
        {
            tree.MakeUnordered(NsDc, "subject");
        }
    }

    private static void CarryInto(
        XmpTree tree,
        IReadOnlyCollection<Wanted> wanted,
        IReadOnlySet<string> ours,
        (int W, int H) storedSize,
        Inherited inherited
    )
    {
        var fields = wanted.SelectMany(w => w.Fields).Select(f => f.Field).Distinct().ToList();
        var plan = Lists
            .Where(l => fields.Contains(l.Key) && tree.List(l.Ns, l.Name) is null)
            .Select(l =>
                (
                    l.Ns,
                    l.Name,
                    l.Ordered,
                    Values: Carried(l.Key, tree, inherited).Where(v => !ours.Contains(v)).ToList()
                )
            )
            .ToList();
        foreach (var (ns, name, ordered, values) in plan)
        {
            foreach (var value in values)
            {
                tree.Add(ns, name, value, ordered);
            }
        }
        if (fields.Contains(MpField) && tree.MpRegions() is null)
        {
            foreach (
                var (name, rectangle) in (inherited.Xmp?.MpRegions() ?? []).Where(m =>
                    !ours.Contains($"{m.Name}\t{m.Rectangle}")
                )
            )
            {
                tree.AddMpRegion(name, rectangle);
            }
        }
        if (
            wanted.Any(w => w.Regions.Count > 0)
            && tree.Regions() is null
            && inherited.Xmp?.Regions() is { Count: > 0 } theirs
        )
        {
            // Immich takes a sidecar's RegionInfo instead of the photo's: start from the photo's regions.
            var dims = inherited.Xmp.AppliedTo() ?? storedSize;
            foreach (var region in theirs.Where(r => !ours.Contains("region\t" + r)))
            {
                tree.AddRegion(region, dims);
            }
        }
    }

    /// <summary>Adds what a subject wants where it is missing (after <see cref="Carry"/>); returns what TagWorker
    /// itself added.</summary>
    public static Entries Add(XmpTree tree, Wanted wanted, (int W, int H) storedSize)
    {
        var added = new List<Entry>();
        foreach (var entry in wanted.Fields)
        {
            if (entry.Field == MpField)
            {
                var (name, rectangle) = SplitMp(entry.Value);
                if (!(tree.MpRegions() ?? []).Any(m => m.Name == name && m.Rectangle == rectangle))
                {
                    tree.AddMpRegion(name, rectangle);
                    added.Add(entry);
                }
                continue;
            }
            var (ns, list, ordered) = List(entry.Field);
            if (!(tree.List(ns, list) ?? []).Contains(entry.Value))
            {
                tree.Add(ns, list, entry.Value, ordered);
                added.Add(entry);
            }
        }
        var addedRegions = new List<Region>();
        foreach (var region in wanted.Regions)
        {
            // A name already on this face (anyone's) is not added twice: Immich would import two faces.
            if (
                (tree.Regions() ?? []).Any(r =>
                    string.Equals(r.Name, region.Name, StringComparison.OrdinalIgnoreCase) && r.Overlap(region) > 0.3
                )
            )
            {
                continue;
            }
            tree.AddRegion(region, storedSize);
            addedRegions.Add(region);
        }
        return new Entries(added, addedRegions);
    }

    /// <summary>What a reader showed from elsewhere, for a list this packet is about to get for the first
    /// time.</summary>
    private static List<string> Carried(string field, XmpTree tree, Inherited inherited)
    {
        var theirs = inherited.Xmp;
        var flat = (tree.List(NsDc, "subject") ?? theirs?.List(NsDc, "subject") ?? [])
            .Concat(inherited.IptcKeywords)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var hierarchy = tree.List(NsLr, "hierarchicalSubject") ?? theirs?.List(NsLr, "hierarchicalSubject");
        return field switch
        {
            // Immich and digiKam: TagsList, else the hierarchy ("A|B" shown as "A/B"), else flat keywords.
            "digiKam:TagsList" => theirs?.List(NsDigiKam, "TagsList") ?? hierarchy?.Select(ImmichPath).ToList() ?? flat,
            // darktable and Lightroom: the hierarchy; darktable drops flat keywords once one exists, so they come
            // along; but not one with a comma: darktable cuts XMP keywords at a comma and would then write the stub
            // back.
            "lr:hierarchicalSubject" => (hierarchy ?? [])
                .Concat(
                    flat.Where(f =>
                        !f.Contains(',', StringComparison.Ordinal)
                        && !(hierarchy ?? []).Any(h => h.Split('|').Contains(f))
                    )
                )
                .ToList(),
            "dc:subject" => flat,
            "Iptc4xmpExt:PersonInImage" => theirs?.List(NsIptcExt, "PersonInImage") ?? [],
            _ => [],
        };
    }

    /// <summary>Immich's reading of a hierarchical keyword: levels joined by '/', a '/' inside a level read as
    /// '|'.</summary>
    public static string ImmichPath(string hierarchical) =>
        string.Join('/', hierarchical.Split('|').Select(level => level.Replace('/', '|')));

    private static (string Name, string Rectangle) SplitMp(string value)
    {
        var tab = value.IndexOf('\t', StringComparison.Ordinal);
        return tab < 0 ? (value, "") : (value[..tab], value[(tab + 1)..]);
    }

    private static (string Ns, string Name, bool Ordered) List(string key)
    {
        foreach (var l in Lists)
        {
            if (l.Key == key)
            {
                return (l.Ns, l.Name, l.Ordered);
            }
        }
        throw new ArgumentException($"unknown XMP list {key}", nameof(key));
    }

    /// <summary>Every value of every list TagWorker writes, by field key (for conflict checks and
    /// verification).</summary>
    public static Dictionary<string, List<string>> Values(XmpTree tree)
    {
        var values = Lists.ToDictionary(l => l.Key, l => tree.List(l.Ns, l.Name) ?? []);
        values[MpField] = (tree.MpRegions() ?? []).Select(m => $"{m.Name}\t{m.Rectangle}").ToList();
        return values;
    }
}
