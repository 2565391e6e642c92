using System.Text.Json;
using XmpCore;
using XmpCore.Options;

namespace TagWorker.WriteBack;

/// <summary>What a write was meant to change in one packet: the list values and regions it removed and added (carried
/// ones included).</summary>
public sealed record Intended(
    IReadOnlyList<Entry> Removed,
    IReadOnlyList<Entry> Added,
    IReadOnlyList<Region> RemovedRegions,
    IReadOnlyList<Region> AddedRegions
);

/// <summary>
/// Proves a write changed nothing but what it meant to, reading before and after with a parser of
/// its own (XmpCore, without alias normalisation, independent of <see cref="XmpTree"/> that edited the
/// packet): every property, qualifier and structure outside TagWorker's lists and regions must be
/// identical; the lists and regions must differ by exactly the intended values; an existing
/// region's other fields must stay. For embedded writes, every EXIF, IPTC and maker-note tag exiftool
/// reads must be identical too (bar the IPTC keywords kept in step and their digest).
/// </summary>
public static class XmpVerifier
{
    private static readonly string[] Managed =
    [
        "dc:subject",
        "lr:hierarchicalSubject",
        "digiKam:TagsList",
        "Iptc4xmpExt:PersonInImage",
        "mwg-rs:Regions",
        "MP:RegionInfo",
        "xmp:MetadataDate",
    ];

    public static void Check(byte[]? before, byte[] after, Intended intended)
    {
        var old = Flatten(before);
        var now = Flatten(after);
        var foreignBefore = old.Where(p => !IsManaged(p.Path))
            .Select(p => p.ToString())
            .Order(StringComparer.Ordinal)
            .ToList();
        var foreignAfter = now.Where(p => !IsManaged(p.Path))
            .Select(p => p.ToString())
            .Order(StringComparer.Ordinal)
            .ToList();
        if (foreignBefore.Except(foreignAfter).FirstOrDefault() is { } lost)
        {
            throw new WriteBackException(
                $"verification failed: {lost} (written by someone else) would change or be lost"
            );
        }
        if (foreignAfter.Except(foreignBefore).FirstOrDefault() is { } extra)
        {
            throw new WriteBackException($"verification failed: {extra} would appear, which TagWorker does not write");
        }
        foreach (var (key, _, _, _) in Xmp.Lists)
        {
            var expected = Values(old, key);
            foreach (var removed in intended.Removed.Where(e => e.Field == key))
            {
                expected.Remove(removed.Value);
            }
            expected.AddRange(intended.Added.Where(e => e.Field == key).Select(e => e.Value));
            var actual = Values(now, key);
            if (!expected.Order(StringComparer.Ordinal).SequenceEqual(actual.Order(StringComparer.Ordinal)))
            {
                throw new WriteBackException(
                    $"verification failed: {key} holds [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]"
                );
            }
        }
        CheckRegions(old, now, intended);
    }

    /// <summary>Embedded writes: every tag exiftool reads outside XMP is the same, bar the IPTC keywords kept in
    /// step.</summary>
    public static void CheckTags(
        ExifTool exifTool,
        string original,
        string written,
        IReadOnlyList<string> removedKeywords,
        IReadOnlyList<string> addedKeywords
    )
    {
        var before = Tags(exifTool, original);
        var after = Tags(exifTool, written);
        foreach (
            var key in before.Keys.Union(after.Keys).Where(k => k is not "IPTC:Keywords" and not "Photoshop:IPTCDigest")
        )
        {
            var a = before.GetValueOrDefault(key);
            var b = after.GetValueOrDefault(key);
            if (a is null && key is "IPTC:EnvelopeRecordVersion" or "IPTC:ApplicationRecordVersion")
            {
                continue; // exiftool adds a record's mandatory version when it writes the record (IIM 4.2)
            }
            if (a != b)
            {
                throw new WriteBackException(
                    $"verification failed: {key} would change from {a ?? "(none)"} to {b ?? "(none)"}"
                );
            }
        }
        var keywords = Keywords(before.GetValueOrDefault("IPTC:Keywords"));
        foreach (var removed in removedKeywords)
        {
            keywords.Remove(removed);
        }
        keywords.AddRange(addedKeywords.Where(k => !keywords.Contains(k)));
        if (
            !keywords
                .Order(StringComparer.Ordinal)
                .SequenceEqual(Keywords(after.GetValueOrDefault("IPTC:Keywords")).Order(StringComparer.Ordinal))
        )
        {
            throw new WriteBackException("verification failed: the IPTC keywords are not what was meant");
        }
    }

    private sealed record Property(string Path, string Value, string Kind)
    {
        public override string ToString() => Kind.Length == 0 ? $"{Path} = '{Value}'" : $"{Path} ({Kind}) = '{Value}'";
    }

    private static List<Property> Flatten(byte[]? packet)
    {
        var length = packet?.Length ?? 0;
        while (length > 0 && packet![length - 1] is 0 or (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            length--;
        }
        if (length == 0)
        {
            return [];
        }
        IXmpMeta meta;
        try
        {
            meta = XmpMetaFactory.ParseFromBuffer(
                packet!,
                0,
                length,
                new ParseOptions { RequireXmpMeta = false, OmitNormalization = true }
            );
        }
        catch (XmpException e)
        {
            throw new WriteBackException($"verification failed: the packet cannot be read back ({e.Message})");
        }
        var about = (meta as XmpCore.Impl.XmpMeta)?.GetObjectName() ?? "";
        var properties = about.Length == 0 ? new List<Property>() : [new("rdf:about", about, "")];
        foreach (var property in meta.Properties)
        {
            if (string.IsNullOrEmpty(property.Path))
            {
                continue;
            }
            var options = property.Options;
            var kind =
                options.IsArrayAltText ? "alt-text"
                : options.IsArrayAlternate ? "alt"
                : options.IsArrayOrdered ? "seq"
                : options.IsArray ? "bag"
                : options.IsStruct ? "struct"
                : "";
            properties.Add(new Property(property.Path, property.Value ?? "", kind));
        }
        return properties;
    }

    private static bool IsManaged(string path) =>
        Managed.Any(m =>
            path == m
            || path.StartsWith(m + "[", StringComparison.Ordinal)
            || path.StartsWith(m + "/", StringComparison.Ordinal)
        );

    private static List<string> Values(List<Property> properties, string key) =>
        properties
            .Where(p =>
                p.Path.StartsWith(key + "[", StringComparison.Ordinal)
                && p.Path.EndsWith(']')
                && p.Path.IndexOf('/', StringComparison.Ordinal) < 0
            )
            .Select(p => p.Value)
            .ToList();

    /// <summary>Regions as records (their fields, by path under the item): foreign ones unchanged, ours exactly added
    /// or removed.</summary>
    private static void CheckRegions(List<Property> before, List<Property> after, Intended intended)
    {
        var dimensions = before
            .Where(p => p.Path.StartsWith("mwg-rs:Regions/mwg-rs:AppliedToDimensions/", StringComparison.Ordinal))
            .ToList();
        if (dimensions.Any(d => !after.Contains(d)) && Records(after, "mwg-rs:Regions/mwg-rs:RegionList[").Count > 0)
        {
            throw new WriteBackException("verification failed: the regions' AppliedToDimensions would change");
        }
        Compare(
            before,
            after,
            "mwg-rs:Regions/mwg-rs:RegionList[",
            "face region",
            intended.RemovedRegions.Select(Mwg).ToList(),
            intended.AddedRegions.Select(Mwg).ToList()
        );
        Compare(
            before,
            after,
            "MP:RegionInfo/MPRI:Regions[",
            "Microsoft face region",
            intended.Removed.Where(e => e.Field == Xmp.MpField).Select(e => Mp(e.Value)).ToList(),
            intended.Added.Where(e => e.Field == Xmp.MpField).Select(e => Mp(e.Value)).ToList()
        );
    }

    private static void Compare(
        List<Property> before,
        List<Property> after,
        string prefix,
        string what,
        List<string[]> removed,
        List<string[]> added
    )
    {
        var old = Records(before, prefix);
        var now = Records(after, prefix);
        foreach (var fields in removed)
        {
            if (old.FindIndex(r => fields.All(r.Contains)) is var i and >= 0)
            {
                old.RemoveAt(i);
            }
        }
        foreach (var fields in added)
        {
            if (now.FindIndex(r => fields.All(r.Contains)) is var i and >= 0)
            {
                now.RemoveAt(i);
            }
            else
            {
                throw new WriteBackException($"verification failed: the {what} {fields[0]} is missing after the write");
            }
        }
        var a = old.Select(r => string.Join(";", r.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal);
        var b = now.Select(r => string.Join(";", r.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal);
        if (!a.SequenceEqual(b))
        {
            throw new WriteBackException(
                $"verification failed: a {what} written by someone else would change or be lost"
            );
        }
    }

    private static List<List<string>> Records(List<Property> properties, string prefix) =>
        properties
            .Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal) && p.Kind.Length == 0)
            .GroupBy(p => p.Path[..(p.Path.IndexOf(']', prefix.Length) + 1)])
            .Select(g => g.Select(p => $"{p.Path[g.Key.Length..]}={p.Value}").ToList())
            .ToList();

    private static string[] Mwg(Region region) =>
        [
            $"/mwg-rs:Name={region.Name}",
            $"/mwg-rs:Area/stArea:x={region.X}",
            $"/mwg-rs:Area/stArea:y={region.Y}",
            $"/mwg-rs:Area/stArea:w={region.W}",
            $"/mwg-rs:Area/stArea:h={region.H}",
        ];

    private static string[] Mp(string entry)
    {
        var tab = entry.IndexOf('\t', StringComparison.Ordinal);
        return [$"/MPReg:PersonDisplayName={entry[..tab]}", $"/MPReg:Rectangle={entry[(tab + 1)..]}"];
    }

    private static Dictionary<string, string> Tags(ExifTool exifTool, string path)
    {
        var output = exifTool.Run("-j", "-G1", "-a", "-struct", "-n", "-x", "XMP:all", path);
        using var document = JsonDocument.Parse(output.Stdout.Length == 0 ? "[{}]" : output.Stdout);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement[0].EnumerateObject())
        {
            var group = property.Name.Split(':')[0];
            if (
                group is "SourceFile" or "File" or "System" or "ExifTool" or "Composite"
                || group.StartsWith("XMP", StringComparison.Ordinal)
            )
            {
                continue;
            }
            tags[property.Name] = property.Value.GetRawText();
        }
        return tags;
    }

    private static List<string> Keywords(string? json) =>
        json is null ? []
        : JsonDocument.Parse(json).RootElement is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Select(e => e.ToString()).ToList()
        : [JsonDocument.Parse(json).RootElement.ToString()];
}
