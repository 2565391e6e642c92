using System.Globalization;
using System.Text;
using XmpCore;
using XmpCore.Options;

namespace TagWorker.WriteBack;

/// <summary>A face region as MWG writes it: centre and size normalised to the stored (not displayed) pixels.</summary>
public sealed record Region(string Name, string X, string Y, string W, string H)
{
    public static Region FromNormalised(string name, double x, double y, double w, double h) =>
        new(name, F(x), F(y), F(w), F(h));

    private static string F(double v) => Math.Clamp(v, 0, 1).ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>One value in one XMP list, e.g. ("lr:hierarchicalSubject", "People|Alice").</summary>
public sealed record Entry(string Field, string Value);

/// <summary>Exactly what TagWorker added to a file for one subject: so it can later remove exactly that and nothing else.</summary>
public sealed record Entries(IReadOnlyList<Entry> Fields, IReadOnlyList<Region> Regions)
{
    public static Entries None { get; } = new([], []);
}

/// <summary>What one subject should put into a file: its list values and, for a person, its face regions.</summary>
public sealed record Wanted(IReadOnlyList<Entry> Fields, IReadOnlyList<Region> Regions);

/// <summary>Everything a reader sees in an XMP packet, for verification.</summary>
public sealed record XmpContent(IReadOnlyDictionary<string, IReadOnlyList<string>> Lists, IReadOnlyList<Region> Regions, (int W, int H)? Dimensions)
{
    public bool Has(Entry entry) => Lists.TryGetValue(entry.Field, out var values) && values.Contains(entry.Value);
}

/// <summary>
/// Reads, merges and writes XMP with XmpCore: only the list items and regions TagWorker added before are
/// removed; new ones are added when not already there; everything else in the packet stays as it was.
/// </summary>
public static class Xmp
{
    public const string NsDc = "http://purl.org/dc/elements/1.1/";
    public const string NsLr = "http://ns.adobe.com/lightroom/1.0/";
    public const string NsDigiKam = "http://www.digikam.org/ns/1.0/";
    public const string NsIptcExt = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
    public const string NsRegions = "http://www.metadataworkinggroup.com/schemas/regions/";
    public const string NsArea = "http://ns.adobe.com/xmp/sType/Area#";
    public const string NsDim = "http://ns.adobe.com/xap/1.0/sType/Dimensions#";

    /// <summary>The lists TagWorker writes: (field key, namespace, property, ordered).</summary>
    public static readonly (string Key, string Ns, string Name, bool Ordered)[] Lists =
    [
        ("dc:subject", NsDc, "subject", false),
        ("lr:hierarchicalSubject", NsLr, "hierarchicalSubject", false),
        ("digiKam:TagsList", NsDigiKam, "TagsList", true),
        ("Iptc4xmpExt:PersonInImage", NsIptcExt, "PersonInImage", false),
    ];

    static Xmp()
    {
        var registry = XmpMetaFactory.SchemaRegistry;
        registry.RegisterNamespace(NsLr, "lr");
        registry.RegisterNamespace(NsDigiKam, "digiKam");
        registry.RegisterNamespace(NsIptcExt, "Iptc4xmpExt");
        registry.RegisterNamespace(NsRegions, "mwg-rs");
        registry.RegisterNamespace(NsArea, "stArea");
        registry.RegisterNamespace(NsDim, "stDim");
    }

    /// <summary>The values a person or an object label stands for in each list.</summary>
    public static Wanted ForPerson(string name, IReadOnlyList<Region> regions, WriteBackOptions options) => new(
    [
        new("dc:subject", name),
        new("lr:hierarchicalSubject", $"{options.PeoplePrefix}|{name}"),
        new("digiKam:TagsList", $"{options.PeoplePrefix}/{name}"),
        new("Iptc4xmpExt:PersonInImage", name),
    ], regions);

    public static Wanted ForObject(string label, WriteBackOptions options) => new(
    [
        new("dc:subject", label),
        new("lr:hierarchicalSubject", $"{options.ObjectsPrefix}|{label}"),
        new("digiKam:TagsList", $"{options.ObjectsPrefix}/{label}"),
    ], []);

    /// <summary>Parses a packet (a sidecar, or the XMP block of a photo); null or empty gives an empty document.</summary>
    /// <exception cref="XmpException">The packet is not valid XMP.</exception>
    public static IXmpMeta Parse(byte[]? packet)
    {
        // Some cameras and tools end the packet with NUL padding, which the XML parser refuses.
        var length = packet?.Length ?? 0;
        while (length > 0 && packet![length - 1] is 0 or (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            length--;
        }
        return length == 0 ? XmpMetaFactory.Create() : XmpMetaFactory.ParseFromBuffer(packet!, 0, length, new ParseOptions { RequireXmpMeta = false });
    }

    /// <summary>UTF-8 without a byte-order mark, canonical RDF, with the packet wrapper (as exiftool and Lightroom write sidecars).</summary>
    public static byte[] Serialize(IXmpMeta meta)
    {
        var text = XmpMetaFactory.SerializeToString(meta, new SerializeOptions { UseCanonicalFormat = true, OmitPacketWrapper = false, Padding = 0 });
        // XmpCore starts the text with a byte-order mark; sidecars must not have one (the one inside xpacket begin="" stays).
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.TrimStart('\uFEFF'));
    }

    /// <summary>
    /// Removes exactly <paramref name="remove"/> (what TagWorker added before) and adds <paramref name="add"/> where missing;
    /// returns what was actually added (values already there belong to someone else and are not claimed).
    /// </summary>
    public static Entries Merge(IXmpMeta meta, Entries remove, Wanted add, (int W, int H) storedSize)
    {
        foreach (var entry in remove.Fields)
        {
            var list = List(entry.Field);
            for (var i = meta.CountArrayItems(list.Ns, list.Name); i >= 1; i--)
            {
                if (meta.GetArrayItem(list.Ns, list.Name, i)?.Value == entry.Value)
                {
                    meta.DeleteArrayItem(list.Ns, list.Name, i);
                    break;
                }
            }
            if (meta.DoesPropertyExist(list.Ns, list.Name) && meta.CountArrayItems(list.Ns, list.Name) == 0)
            {
                meta.DeleteProperty(list.Ns, list.Name);
            }
        }
        RemoveRegions(meta, remove.Regions);

        var added = new List<Entry>();
        foreach (var entry in add.Fields)
        {
            var list = List(entry.Field);
            var existing = ReadList(meta, list.Ns, list.Name);
            if (!existing.Contains(entry.Value))
            {
                meta.AppendArrayItem(list.Ns, list.Name, new PropertyOptions { IsArray = true, IsArrayOrdered = list.Ordered }, entry.Value, null);
                added.Add(entry);
            }
        }
        var addedRegions = AddRegions(meta, add.Regions, storedSize);
        return new Entries(added, addedRegions);
    }

    public static XmpContent Read(IXmpMeta meta)
    {
        var lists = Lists.ToDictionary(l => l.Key, l => (IReadOnlyList<string>)ReadList(meta, l.Ns, l.Name));
        var regions = new List<Region>();
        const string list = "Regions/mwg-rs:RegionList";
        if (meta.DoesPropertyExist(NsRegions, list))
        {
            for (var i = 1; i <= meta.CountArrayItems(NsRegions, list); i++)
            {
                var item = XmpPathFactory.ComposeArrayItemPath(list, i);
                string Field(string ns, string path) => meta.GetProperty(NsRegions, item + path)?.Value ?? "";
                regions.Add(new Region(Field(NsRegions, "/mwg-rs:Name"),
                    Field(NsArea, "/mwg-rs:Area/stArea:x"), Field(NsArea, "/mwg-rs:Area/stArea:y"),
                    Field(NsArea, "/mwg-rs:Area/stArea:w"), Field(NsArea, "/mwg-rs:Area/stArea:h")));
            }
        }
        (int, int)? dimensions = null;
        if (int.TryParse(meta.GetProperty(NsRegions, "Regions/mwg-rs:AppliedToDimensions/stDim:w")?.Value, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(meta.GetProperty(NsRegions, "Regions/mwg-rs:AppliedToDimensions/stDim:h")?.Value, CultureInfo.InvariantCulture, out var h))
        {
            dimensions = (w, h);
        }
        return new XmpContent(lists, regions, dimensions);
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

    private static List<string> ReadList(IXmpMeta meta, string ns, string name)
    {
        var values = new List<string>();
        if (!meta.DoesPropertyExist(ns, name))
        {
            return values;
        }
        for (var i = 1; i <= meta.CountArrayItems(ns, name); i++)
        {
            if (meta.GetArrayItem(ns, name, i)?.Value is { } value)
            {
                values.Add(value);
            }
        }
        return values;
    }

    private static void RemoveRegions(IXmpMeta meta, IReadOnlyList<Region> remove)
    {
        const string list = "Regions/mwg-rs:RegionList";
        if (remove.Count == 0 || !meta.DoesPropertyExist(NsRegions, list))
        {
            return;
        }
        var current = Read(meta).Regions;
        var left = remove.ToList();
        for (var i = current.Count; i >= 1; i--)
        {
            var match = left.FindIndex(r => r == current[i - 1]);
            if (match >= 0)
            {
                meta.DeleteArrayItem(NsRegions, list, i);
                left.RemoveAt(match);
            }
        }
        if (meta.CountArrayItems(NsRegions, list) == 0)
        {
            meta.DeleteProperty(NsRegions, "Regions");
        }
    }

    private static List<Region> AddRegions(IXmpMeta meta, IReadOnlyList<Region> regions, (int W, int H) storedSize)
    {
        const string list = "Regions/mwg-rs:RegionList";
        var existing = meta.DoesPropertyExist(NsRegions, list) ? Read(meta).Regions : [];
        var added = new List<Region>();
        foreach (var region in regions)
        {
            if (existing.Contains(region))
            {
                continue;
            }
            if (!meta.DoesPropertyExist(NsRegions, "Regions/mwg-rs:AppliedToDimensions"))
            {
                meta.SetProperty(NsRegions, "Regions/mwg-rs:AppliedToDimensions/stDim:w", storedSize.W.ToString(CultureInfo.InvariantCulture));
                meta.SetProperty(NsRegions, "Regions/mwg-rs:AppliedToDimensions/stDim:h", storedSize.H.ToString(CultureInfo.InvariantCulture));
                meta.SetProperty(NsRegions, "Regions/mwg-rs:AppliedToDimensions/stDim:unit", "pixel");
            }
            meta.AppendArrayItem(NsRegions, list, new PropertyOptions { IsArray = true }, null, new PropertyOptions { IsStruct = true });
            var item = XmpPathFactory.ComposeArrayItemPath(list, XmpConstants.ArrayLastItem);
            meta.SetProperty(NsRegions, item + "/mwg-rs:Area/stArea:x", region.X);
            meta.SetProperty(NsRegions, item + "/mwg-rs:Area/stArea:y", region.Y);
            meta.SetProperty(NsRegions, item + "/mwg-rs:Area/stArea:w", region.W);
            meta.SetProperty(NsRegions, item + "/mwg-rs:Area/stArea:h", region.H);
            meta.SetProperty(NsRegions, item + "/mwg-rs:Area/stArea:unit", "normalized");
            meta.SetProperty(NsRegions, item + "/mwg-rs:Name", region.Name);
            meta.SetProperty(NsRegions, item + "/mwg-rs:Type", "Face");
            added.Add(region);
        }
        return added;
    }
}
