using System.Text.Json;
using System.Xml.Linq;

namespace TagWorker.Tests.Support;

/// <summary>What one photo tool shows of a photo: its keywords (tags) and the names on its faces.</summary>
public sealed record View(IReadOnlyList<string> Tags, IReadOnlyList<string> Faces, int? Rating = null)
{
    public override string ToString() =>
        $"tags [{string.Join(", ", Tags)}], faces [{string.Join(", ", Faces)}], rating {Rating}";
}

/// <summary>
/// The photo tools TagWorker's users run beside it, each reading a photo (and its sidecar) by its own
/// published rules with the library it reads with, where that runs here. Immich cannot run here: its
/// rules are reproduced with exiftool-vendored and its options (tests/readers/immich.mjs). digiKam reads
/// through exiv2 (the real exiv2 here), by digiKam's order of tag sources; PhotoPrism's sidecar reader is
/// Go XML decoding reproduced over the same elements, its embedded metadata comes from exiftool; Windows
/// reads the photo's own XMP and IPTC (Microsoft's people regions for names); exiftool's MWG view is exiftool
/// itself. darktable runs for real (4.x, under a virtual X server): it imports a copy of the photo and its sidecar.
/// </summary>
public static class Readers
{
    public static readonly string[] Names = ["immich", "digikam", "darktable", "photoprism", "windows", "mwg"];

    public static Dictionary<string, View> All(string photo) =>
        new()
        {
            ["immich"] = Immich(photo),
            ["digikam"] = DigiKam(photo),
            ["darktable"] = Darktable(photo),
            ["photoprism"] = PhotoPrism(photo),
            ["windows"] = Windows(photo),
            ["mwg"] = Mwg(photo),
        };

    public static View Immich(string photo)
    {
        var run = Shell.Run(
            "node",
            [Path.Combine(Repo.Root, "tests", "readers", "immich.mjs"), photo],
            null,
            TimeSpan.FromMinutes(2)
        );
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"the Immich reader failed: {run.Error}");
        }
        var json = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]).RootElement;
        return new View(
            Strings(json.GetProperty("tags")),
            Strings(json.GetProperty("faces")),
            json.GetProperty("rating").ValueKind == JsonValueKind.Number ? json.GetProperty("rating").GetInt32() : null
        );
    }

    /// <summary>
    /// digiKam with "read from sidecar files" on (its default sidecar name, photo.jpg.xmp): the sidecar's XMP
    /// merged over the photo's property by property, both read by exiv2; tags from TagsList, else MicrosoftPhoto
    /// LastKeywordXMP, else lr:hierarchicalSubject, else dc:subject, else IPTC keywords
    /// (DMetadata::getItemTagsPath); faces from MWG regions, else Microsoft's.
    /// </summary>
    public static View DigiKam(string photo)
    {
        var xmp = Exiv2Xmp(photo);
        if (File.Exists(photo + ".xmp"))
        {
            foreach (var (key, value) in Exiv2Xmp(photo + ".xmp"))
            {
                xmp[key] = value;
            }
        }
        List<string> Values(string key) => xmp.TryGetValue(key, out var v) ? v : [];
        var hierarchy = Values("lr:hierarchicalSubject").Select(h => h.Replace('|', '/')).ToList();
        var tags = new[]
        {
            Values("digiKam:TagsList"),
            Values("MicrosoftPhoto:LastKeywordXMP"),
            hierarchy,
            Values("dc:subject"),
        }.FirstOrDefault(v => v.Count > 0)
            ?? Exiv2Iptc(photo);
        var faces = Values("mwg-rs:Name") is { Count: > 0 } mwg ? mwg : Values("MPReg:PersonDisplayName");
        return new View(tags, faces);
    }

    /// <summary>
    /// darktable itself: a copy of the photo and its sidecar (photo.jpg.xmp, the one darktable reads) imported into a
    /// fresh library; its tags (less darktable's own) and rating, as its Lua API reports them
    /// (tests/readers/darktable.lua).
    /// </summary>
    public static View Darktable(string photo)
    {
        using var copy = new TempDir("darktable-read");
        var photoCopy = copy.Combine(Path.GetFileName(photo));
        File.Copy(photo, photoCopy);
        if (File.Exists(photo + ".xmp"))
        {
            File.Copy(photo + ".xmp", photoCopy + ".xmp");
        }
        var report = RunDarktable(photoCopy, copy.Combine("darktable"));
        return new View(report.Tags, [], report.Rating);
    }

    public sealed record DarktableReport(List<string> Tags, int? Rating);

    /// <summary>
    /// Runs darktable on one photo with the given configuration folder (its library inside): imports the photo (or
    /// finds it again) and, with <paramref name="rating"/>, changes its rating, which makes darktable write its sidecar
    /// from its library.
    /// </summary>
    public static DarktableReport RunDarktable(string photo, string configDir, int? rating = null)
    {
        Directory.CreateDirectory(configDir);
        var report = Path.Combine(configDir, "report.txt");
        File.Delete(report);
        var script = Path.Combine(Repo.Root, "tests", "readers", "darktable.lua")
            .Replace("\\", "\\\\")
            .Replace("\"", "\\\"");
        var run = Shell.Run(
            "timeout",
            [
                "-k",
                "5",
                "90",
                "xvfb-run",
                "-a",
                "darktable",
                "--configdir",
                configDir,
                "--library",
                Path.Combine(configDir, "library.db"),
                "--luacmd",
                $"dofile(\"{script}\")",
            ],
            new Dictionary<string, string?>
            {
                ["TW_PHOTO"] = photo,
                ["TW_OUT"] = report,
                ["TW_RATING"] = rating?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            },
            TimeSpan.FromMinutes(2)
        );
        var lines = File.Exists(report) ? File.ReadAllLines(report) : [];
        if (
            !lines.Contains("done")
            || lines.FirstOrDefault(l => l.StartsWith("error ", StringComparison.Ordinal)) is { } error
                && error.Length > 0
        )
        {
            throw new InvalidOperationException(
                $"darktable did not read {photo} (exit {run.ExitCode}): {string.Join(" | ", lines)} {run.Error}"
            );
        }
        return new DarktableReport(
            lines.Where(l => l.StartsWith("tag ", StringComparison.Ordinal)).Select(l => l[4..]).ToList(),
            lines.FirstOrDefault(l => l.StartsWith("rating ", StringComparison.Ordinal)) is { } r
            && int.TryParse(r[7..], out var stars)
                ? stars
                : null
        );
    }

    /// <summary>
    /// PhotoPrism: embedded metadata through exiftool's JSON (Keywords and Subject), and each XMP sidecar
    /// through its Go struct (internal/meta/xmp_document.go): xmpmeta/RDF/Description/subject/Seq/li only.
    /// </summary>
    public static View PhotoPrism(string photo)
    {
        var json = ExifTool(photo, "-Keywords", "-Subject");
        var tags = Strings(json, "Keywords").Concat(Strings(json, "Subject")).ToList();
        foreach (
            var sidecar in new[] { photo + ".xmp", Path.ChangeExtension(photo, ".xmp") }.Distinct().Where(File.Exists)
        )
        {
            var root = XDocument.Load(sidecar).Root!;
            if (root.Name.LocalName != "xmpmeta")
            {
                continue; // Go's decoder refuses another root element
            }
            tags.AddRange(
                root.Elements()
                    .Where(e => e.Name.LocalName == "RDF")
                    .Elements()
                    .Where(e => e.Name.LocalName == "Description")
                    .Elements()
                    .Where(e => e.Name.LocalName == "subject")
                    .Elements()
                    .Where(e => e.Name.LocalName == "Seq")
                    .Elements()
                    .Where(e => e.Name.LocalName == "li")
                    .Select(e => e.Value)
            );
        }
        return new View(tags.Distinct().ToList(), []);
    }

    /// <summary>Windows (Explorer, Photos): the photo's own metadata only; keywords from XMP and IPTC, people from
    /// Microsoft's regions.</summary>
    public static View Windows(string photo)
    {
        var json = ExifTool(
            photo,
            "-XMP-dc:Subject",
            "-IPTC:Keywords",
            "-XPKeywords",
            "-XMP-MP:RegionInfoMP",
            "-struct"
        );
        var tags = Strings(json, "Subject")
            .Concat(Strings(json, "Keywords"))
            .Concat(Strings(json, "XPKeywords").SelectMany(k => k.Split(';')))
            .Distinct()
            .ToList();
        var faces =
            json.TryGetProperty("RegionInfoMP", out var mp) && mp.TryGetProperty("Regions", out var regions)
                ? regions
                    .EnumerateArray()
                    .Where(r => r.TryGetProperty("PersonDisplayName", out _))
                    .Select(r => r.GetProperty("PersonDisplayName").ToString())
                    .ToList()
                : [];
        return new View(tags, faces);
    }

    /// <summary>exiftool's Metadata Working Group view of the photo: reconciled Keywords and RegionInfo.</summary>
    public static View Mwg(string photo)
    {
        var json = ExifTool(photo, "-use", "MWG", "-MWG:Keywords", "-XMP-mwg-rs:RegionInfo", "-struct");
        var faces =
            json.TryGetProperty("RegionInfo", out var info) && info.TryGetProperty("RegionList", out var list)
                ? list.EnumerateArray()
                    .Where(r => r.TryGetProperty("Name", out _))
                    .Select(r => r.GetProperty("Name").ToString())
                    .ToList()
                : [];
        return new View(Strings(json, "Keywords"), faces);
    }

    private static JsonElement ExifTool(string file, params string[] args)
    {
        var run = Shell.Run("exiftool", ["-j", .. args, file]);
        return JsonDocument.Parse(run.Output.Length == 0 ? "[{}]" : run.Output).RootElement[0];
    }

    private static List<string> Strings(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) ? Strings(value) : [];

    private static List<string> Strings(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(e => e.ToString()).ToList()
            : [value.ToString()];

    /// <summary>
    /// The list values and region names of a file's XMP as exiv2 prints the packet (-pX), by property;
    /// one property per top-level key, the values of regions' Name fields gathered under their own key.
    /// </summary>
    private static Dictionary<string, List<string>> Exiv2Xmp(string file)
    {
        // A sidecar is its own packet (exiv2 -pX prints only a photo's; -pa proves exiv2 reads the sidecar at all).
        var sidecar = file.EndsWith(".xmp", StringComparison.OrdinalIgnoreCase);
        var run = Shell.Run("exiv2", sidecar ? "-pa" : "-pX", "-q", file);
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var packet = sidecar && run.ExitCode == 0 ? File.ReadAllText(file) : run.Output.Trim();
        if (packet.Trim().Length == 0)
        {
            return values;
        }
        XNamespace rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
        var document = XDocument.Parse(packet.Trim());
        foreach (var property in document.Descendants(rdf + "Description").Elements())
        {
            var key = $"{property.GetPrefixOfNamespace(property.Name.Namespace)}:{property.Name.LocalName}";
            var items = property
                .Elements()
                .Where(e => e.Name.Namespace == rdf && e.Name.LocalName is "Bag" or "Seq" or "Alt")
                .Elements(rdf + "li")
                .Select(li => li.Value)
                .ToList();
            if (items.Count > 0)
            {
                values[key] = items;
            }
        }
        foreach (var name in new[] { "Name", "PersonDisplayName" })
        {
            var found = document
                .Descendants()
                .Where(e =>
                    e.Name.LocalName == name && e.Name.NamespaceName.Contains("regions", StringComparison.Ordinal)
                    || e.Name.LocalName == name && e.Name.NamespaceName.Contains("Region#", StringComparison.Ordinal)
                )
                .Select(e => e.Value)
                .Concat(document.Descendants().Attributes().Where(a => a.Name.LocalName == name).Select(a => a.Value))
                .ToList();
            if (found.Count > 0)
            {
                values[name == "Name" ? "mwg-rs:Name" : "MPReg:PersonDisplayName"] = found;
            }
        }
        return values;
    }

    private static List<string> Exiv2Iptc(string file) =>
        Shell
            .Run("exiv2", "-pi", "-q", file)
            .Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 4 && parts[0] == "Iptc.Application2.Keywords")
            .Select(parts => parts[3].Trim())
            .ToList();
}
