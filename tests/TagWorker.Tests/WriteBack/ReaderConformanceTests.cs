using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TagWorker.Faces;
using TagWorker.Storage;
using TagWorker.Tests.Support;
using TagWorker.WriteBack;
using Xunit.Abstractions;

namespace TagWorker.Tests.WriteBack;

/// <summary>
/// The reader-visible rule, asserted with the readers themselves (<see cref="Readers"/>): on photos other
/// programs had already tagged (Lightroom's, digiKam's, darktable's, Immich's and exiftool's sidecars,
/// IPTC-only keywords, embedded XMP with a face region), every reader shows after a write all it showed
/// before plus the approved name, after a rename the new name instead of the old, after the name is
/// taken away exactly what it showed before; and undo restores every file byte for byte.
/// </summary>
[Collection(nameof(Isolated))]
[Trait("Speed", "Slow")]
public sealed class ReaderConformanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _library = new("rc-lib");
    private readonly TempDir _data = new("rc-data");
    private Worker? _worker;

    public static TheoryData<string, string> Corpus()
    {
        var data = new TheoryData<string, string>();
        foreach (var shape in Shapes.Keys)
        {
            data.Add(shape, "Sidecar");
            data.Add(shape, "Embedded");
        }
        return data;
    }

    /// <summary>Photos as other programs leave them, made with exiftool (and libvips for the HEIC twin).</summary>
    private static readonly Dictionary<string, string[][]> Shapes = new()
    {
        // Lightroom names its sidecar photo.xmp; Immich reads it when photo.jpg.xmp is absent.
        ["lightroom-sidecar"] =
        [
            [
                "sidecar:xmp",
                "-XMP-lr:HierarchicalSubject=Places|Washington|Oval Office",
                "-XMP-dc:Subject=Oval Office",
                "-XMP-xmp:Rating=5",
            ],
        ],
        ["digikam-sidecar"] =
        [
            [
                "sidecar:jpg.xmp",
                "-XMP-digiKam:TagsList=Comedy/Standup",
                "-XMP-lr:HierarchicalSubject=Comedy|Standup",
                "-XMP-dc:Subject=Standup",
            ],
        ],
        ["immich-sidecar"] =
        [
            ["sidecar:jpg.xmp", "-XMP-digiKam:TagsList=Trip/2024", "-XMP-xmp:Rating=3"],
        ],
        ["darktable-sidecar"] =
        [
            ["sidecar:jpg.xmp", "-XMP-dc:Subject=Flat", "-XMP-xmp:Rating=2"],
        ],
        // exiftool -o photo.jpg.xmp photo.jpg: the EXIF copied as tiff:/exif: properties XmpCore used to rename.
        ["exiftool-sidecar"] =
        [
            [
                "photo",
                "-EXIF:Artist=Ann Artist",
                "-EXIF:Copyright=(c) Ann",
                "-EXIF:ImageDescription=A description",
                "-EXIF:Software=Cam 1.0",
            ],
            ["copy-to-sidecar"],
        ],
        ["iptc-only"] =
        [
            ["photo", "-IPTC:Keywords=IPTC only kw", "-IPTC:Keywords=Second, with comma"],
        ],
        ["embedded-xmp-region"] =
        [
            [
                "photo",
                "-XMP-lr:HierarchicalSubject=Places|Delaware",
                "-XMP-dc:Subject=Delaware",
                "-XMP-digiKam:TagsList=Places/Delaware",
            ],
            ["region:Embedded Face"],
        ],
        // photo.xmp shared with photo.heic: a new photo.jpg.xmp starts as its copy.
        ["ambiguous-lightroom"] =
        [
            ["sidecar:xmp", "-XMP-lr:HierarchicalSubject=Events|Premiere", "-XMP-xmp:Rating=5"],
            ["twin:heic"],
        ],
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Every_reader_shows_what_it_showed_plus_the_name_and_loses_nothing(string shape, string mode)
    {
        var photo = Make(shape);
        var files = Snapshot();
        var sidecarBefore = File.Exists(photo + ".xmp");
        _worker = new Worker(
            _library.Path,
            _data.Path,
            new Dictionary<string, string?> { ["TagWorker:WriteBack:Mode"] = mode },
            withWriteBack: true
        );
        await _worker.ScanAsync();
        var person = Seed();
        var before = Readers.All(photo);
        var written = WrittenByAnyone(photo);
        Log("before", before);

        Approve();
        var named = await ApplyAsync();
        var after = Readers.All(photo);
        Log("named", after);
        Assert.True(named.Failed == 0, string.Join("; ", named.Files.Select(f => $"{f.Path}: {f.State} {f.Error}")));
        // Sidecar mode reaches the readers of sidecars; Lightroom's photo.xmp (taken when it is the photo's own) is
        // not the name digiKam and darktable read.
        var seeing =
            mode == "Embedded" ? Readers.Names
            : shape == "lightroom-sidecar" ? ["immich", "photoprism"]
            : ["immich", "digikam", "darktable", "photoprism"];
        foreach (var reader in Readers.Names)
        {
            AssertKeeps(reader, before[reader], after[reader], Allowed(reader, shape, mode, sidecarBefore));
            AssertInventsNothing(reader, written, after[reader], "Alice");
            if (seeing.Contains(reader))
            {
                AssertShows(reader, after[reader], "Alice");
            }
        }

        _worker.Services.GetRequiredService<Decisions>().Rename(person, "Alicia");
        Approve();
        Assert.Equal(0, (await ApplyAsync()).Failed);
        var renamed = Readers.All(photo);
        Log("renamed", renamed);
        foreach (var reader in Readers.Names)
        {
            AssertKeeps(reader, before[reader], renamed[reader], Allowed(reader, shape, mode, sidecarBefore));
            Assert.DoesNotContain(renamed[reader].Tags.Concat(renamed[reader].Faces), v =>
                v.EndsWith("Alice", StringComparison.Ordinal)
            );
            if (seeing.Contains(reader))
            {
                AssertShows(reader, renamed[reader], "Alicia");
            }
        }

        using (var connection = _worker.Open())
        {
            connection.Execute("UPDATE faces SET rejected = 'stranger' WHERE person_id = $p", null, ("$p", person));
        }
        Approve();
        Assert.Equal(0, (await ApplyAsync()).Failed);
        var removed = Readers.All(photo);
        Log("removed", removed);
        foreach (var reader in Readers.Names)
        {
            Assert.True(
                Same(before[reader], removed[reader]),
                $"{reader} ({shape}, {mode}): before {before[reader]}, after removing the name {removed[reader]}"
            );
        }

        var writer = _worker.Services.GetRequiredService<MetadataWriter>();
        var undo = await writer.UndoAsync(writer.WritesSince(DateTimeOffset.MinValue), CancellationToken.None);
        Assert.True(undo.Failed == 0, string.Join("; ", undo.Messages));
        Assert.Equal(files, Snapshot()); // every file as it was, byte for byte; no file of ours left
    }

    /// <summary>
    /// The real darktable and TagWorker on one photo.jpg.xmp: darktable imports TagWorker's sidecar (keeping its
    /// names), TagWorker renames, then one darktable edit writes the sidecar from darktable's library, bringing the
    /// old name back. TagWorker's audit finds that without any pending write, shows it as a conflict, and the
    /// owner's choice holds: "ours" writes the new name again (darktable's edit kept), "theirs" keeps darktable's file.
    /// </summary>
    [Fact]
    public async Task A_darktable_revert_is_found_shown_and_settled_by_the_owner()
    {
        var photo = _library.Combine("photo.jpg");
        File.Copy(Path.Combine(Repo.Photos, "obama_1.jpg"), photo);
        File.SetLastWriteTimeUtc(photo, DateTime.UtcNow.AddHours(-1));
        _worker = new Worker(_library.Path, _data.Path, new Dictionary<string, string?>(), withWriteBack: true);
        await _worker.ScanAsync();
        var person = Seed();
        Approve();
        Assert.Equal(0, (await ApplyAsync()).Failed);
        using var darktable = new TempDir("rc-darktable");
        Assert.Contains("People|Alice", Readers.RunDarktable(photo, darktable.Path).Tags);

        _worker.Services.GetRequiredService<Decisions>().Rename(person, "Alicia");
        Approve();
        Assert.Equal(0, (await ApplyAsync()).Failed);
        var edited = Readers.RunDarktable(photo, darktable.Path, rating: 3); // darktable writes photo.jpg.xmp from its library
        Assert.Contains("People|Alice", edited.Tags);
        // The file now disagrees with itself: darktable's lists have the old name, digiKam's TagsList and the regions
        // the new.
        Assert.Contains(
            "People|Alice",
            Shell.Run("exiftool", "-s3", "-sep", "\n", "-XMP-lr:HierarchicalSubject", photo + ".xmp").Output.Split('\n')
        );

        var writer = _worker.Services.GetRequiredService<MetadataWriter>();
        var conflicts = _worker.Services.GetRequiredService<WriteConflicts>();
        Assert.Equal(1, await writer.AuditAsync(CancellationToken.None));
        Assert.Equal(1, await writer.AuditAsync(CancellationToken.None)); // found again: the same conflict, not a second
        var conflict = Assert.Single(conflicts.Open());
        output.WriteLine(
            $"conflict: missing [{string.Join(", ", conflict.Missing)}], returned [{string.Join(", ", conflict.Returned)}]"
        );
        Assert.Equal("photo.jpg.xmp", conflict.Target);
        Assert.Contains("Alice (dc:subject, lr:hierarchicalSubject)", conflict.Returned);
        Assert.Contains("Alicia (dc:subject, lr:hierarchicalSubject)", conflict.Missing);

        Assert.True(conflicts.Settle(conflict.Id, "ours"));
        var repaired = await ApplyAsync();
        Assert.True(
            repaired.Failed == 0 && repaired.Written == 1,
            string.Join("; ", repaired.Files.Select(f => $"{f.Path}: {f.State} {f.Error}"))
        );
        var immich = Readers.Immich(photo);
        Assert.Contains("People/Alicia", immich.Tags);
        Assert.DoesNotContain(immich.Tags.Concat(immich.Faces), t => t.EndsWith("Alice", StringComparison.Ordinal));
        Assert.Equal(3, immich.Rating); // darktable's own edit stays
        Assert.Equal(0, await writer.AuditAsync(CancellationToken.None));
        using (var fresh = new TempDir("rc-darktable-fresh"))
        {
            var seen = Readers.RunDarktable(CopyWithSidecar(photo, fresh.Path), fresh.Combine("config"));
            Assert.Contains("People|Alicia", seen.Tags);
            Assert.DoesNotContain("People|Alice", seen.Tags);
        }

        // darktable, not told to reload the sidecar, reverts again; this time the owner keeps darktable's file.
        Readers.RunDarktable(photo, darktable.Path, rating: 4);
        Assert.Equal(1, await writer.AuditAsync(CancellationToken.None));
        var again = Assert.Single(conflicts.Open());
        var sidecar = File.ReadAllBytes(photo + ".xmp");
        Assert.True(conflicts.Settle(again.Id, "theirs"));
        Assert.Equal(0, await writer.AuditAsync(CancellationToken.None));
        var kept = await ApplyAsync();
        Assert.Equal(0, kept.Failed);
        Assert.Equal(sidecar, File.ReadAllBytes(photo + ".xmp")); // left as darktable wrote it
        Assert.Empty(conflicts.Open());

        // A later change is written into darktable's file without a new conflict: what came back is darktable's now.
        _worker.Services.GetRequiredService<Decisions>().Rename(person, "Alicia Keys");
        Approve();
        var later = await ApplyAsync();
        Assert.True(later.Failed == 0, string.Join("; ", later.Files.Select(f => $"{f.Path}: {f.State} {f.Error}")));
        Assert.Contains("People/Alicia Keys", Readers.Immich(photo).Tags);
        Assert.Empty(conflicts.Open());
    }

    private static string CopyWithSidecar(string photo, string folder)
    {
        var copy = Path.Combine(folder, Path.GetFileName(photo));
        File.Copy(photo, copy);
        File.Copy(photo + ".xmp", copy + ".xmp");
        return copy;
    }

    private string Make(string shape)
    {
        var photo = _library.Combine("photo.jpg");
        File.Copy(Path.Combine(Repo.Photos, "obama_1.jpg"), photo);
        foreach (var step in Shapes[shape])
        {
            var kind = step[0];
            var args = step.Skip(1).ToArray();
            if (kind == "photo")
            {
                Run(["-overwrite_original", .. args, photo]);
            }
            else if (kind.StartsWith("sidecar:", StringComparison.Ordinal))
            {
                var sidecar = kind == "sidecar:xmp" ? _library.Combine("photo.xmp") : photo + ".xmp";
                Run([.. args, sidecar]); // exiftool creates a sidecar holding just these, as the other program wrote it
            }
            else if (kind == "copy-to-sidecar")
            {
                Run(["-o", photo + ".xmp", photo]);
            }
            else if (kind.StartsWith("region:", StringComparison.Ordinal))
            {
                // A face region another program put in the corner of the photo (not on the face TagWorker names).
                Run([
                    "-overwrite_original",
                    "-struct",
                    $"-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W=910,H=1137,Unit=pixel}},RegionList=[{{Area={{X=0.1,Y=0.1,W=0.1,H=0.1,Unit=normalized}},Name={kind[7..]},Type=Face}}]}}",
                    photo,
                ]);
            }
            else if (kind == "twin:heic")
            {
                Assert.Equal(0, Shell.Run("vips", "copy", photo, _library.Combine("photo.heic")).ExitCode);
            }
        }
        foreach (var file in Directory.GetFiles(_library.Path))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
        }
        return photo;
    }

    /// <summary>The photo analysed with one face (where obama_1's face is), in a named person's group.</summary>
    private long Seed() => _worker!.NameOneFace("photo.jpg", "Alice", 910, 1137, (330, 180, 260, 330));

    private void Approve()
    {
        using var connection = _worker!.Open();
        Changes.Approve(
            connection,
            new WriteBackOptions(),
            ApprovalScope.All,
            DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)
        );
    }

    private Task<ApplyReport> ApplyAsync() =>
        _worker!.Services.GetRequiredService<MetadataWriter>().ApplyAsync(false, CancellationToken.None);

    /// <summary>What a reader's own rules make unavoidable, each measured with the real darktable (see the README's
    /// darktable paragraph).</summary>
    private sealed record Allowance(bool DefaultRating, bool SidecarRating, bool CommaKeywords);

    private static Allowance Allowed(string reader, string shape, string mode, bool sidecarBefore) =>
        reader != "darktable"
            ? new Allowance(false, false, false)
            : new Allowance(
                // darktable reads the rating from a sidecar if there is one, and where that sidecar has none, gives its
                // import default (one star). TagWorker does not copy the photo's rating into a sidecar it creates: that
                // copy would hide later rating edits made in the photo from Immich and digiKam, which read the
                // sidecar's over the photo's.
                DefaultRating: !sidecarBefore && mode == "Sidecar",
                // The photo.jpg.xmp TagWorker starts from Lightroom's photo.xmp (for Immich) shows darktable what it
                // never read there.
                SidecarRating: shape == "ambiguous-lightroom",
                // darktable cuts XMP keywords at a comma: a keyword with one, that only IPTC held, is not in
                // TagWorker's sidecar.
                CommaKeywords: mode == "Sidecar"
            );

    private static void AssertKeeps(string reader, View before, View after, Allowance? allowed = null)
    {
        var expected = before
            .Tags.Where(t => allowed?.CommaKeywords != true || !t.Contains(',', StringComparison.Ordinal))
            .ToList();
        Assert.True(
            expected.All(after.Tags.Contains),
            $"{reader} lost keywords: before [{string.Join(", ", before.Tags)}], after [{string.Join(", ", after.Tags)}]"
        );
        Assert.True(
            before.Faces.All(after.Faces.Contains),
            $"{reader} lost faces: before [{string.Join(", ", before.Faces)}], after [{string.Join(", ", after.Faces)}]"
        );
        Assert.True(
            before.Rating == after.Rating
                || allowed?.DefaultRating == true && after.Rating == 1
                || allowed?.SidecarRating == true,
            $"{reader}'s rating changed: {before.Rating} to {after.Rating}"
        );
        Assert.True(
            after.Faces.Count(f => f == "Alice") <= 1 && after.Faces.Count(f => f == "Alicia") <= 1,
            $"{reader} shows a name twice on the face: {after}"
        );
    }

    /// <summary>
    /// New values are the name's own forms, or keywords another program had written (carried into a list a reader
    /// takes first, or made visible: PhotoPrism reads dc:subject only as a Seq, which TagWorker writes).
    /// </summary>
    private static void AssertInventsNothing(string reader, HashSet<string> known, View after, string name)
    {
        var invented = after
            .Tags.Where(t => !known.Contains(t) && !t.EndsWith(name, StringComparison.Ordinal))
            .ToList();
        Assert.True(invented.Count == 0, $"{reader} shows keywords nobody wrote: [{string.Join(", ", invented)}]");
    }

    private static void AssertShows(string reader, View view, string name)
    {
        Assert.True(
            view.Tags.Any(t => t == name || t == $"People/{name}" || t == $"People|{name}"),
            $"{reader} does not show {name}: {view}"
        );
        if (reader is "immich" or "digikam" or "windows" or "mwg")
        {
            Assert.True(view.Faces.Contains(name), $"{reader} shows no face named {name}: {view}");
        }
    }

    /// <summary>Every keyword any program had written into the photo or a sidecar beside it, in each form readers show
    /// it.</summary>
    private HashSet<string> WrittenByAnyone(string photo)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (
            var file in Directory
                .GetFiles(_library.Path)
                .Where(f => f.EndsWith(".xmp", StringComparison.Ordinal) || f == photo)
        )
        {
            var json = System
                .Text.Json.JsonDocument.Parse(
                    Shell
                        .Run("exiftool", "-j", "-Subject", "-HierarchicalSubject", "-TagsList", "-Keywords", file)
                        .Output
                )
                .RootElement[0];
            foreach (var property in json.EnumerateObject().Where(p => p.Name != "SourceFile"))
            {
                var values =
                    property.Value.ValueKind == System.Text.Json.JsonValueKind.Array
                        ? property.Value.EnumerateArray().Select(v => v.ToString())
                        : [property.Value.ToString()];
                foreach (var value in values)
                {
                    known.UnionWith([value, value.Replace('|', '/'), TagWorker.WriteBack.Xmp.ImmichPath(value)]);
                }
            }
        }
        return known;
    }

    private static bool Same(View a, View b) =>
        a.Tags.ToHashSet().SetEquals(b.Tags) && a.Faces.Order().SequenceEqual(b.Faces.Order()) && a.Rating == b.Rating;

    private Dictionary<string, string> Snapshot() =>
        Directory
            .GetFiles(_library.Path)
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .ToDictionary(
                f => Path.GetFileName(f),
                f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))
            );

    private void Log(string phase, Dictionary<string, View> views)
    {
        foreach (var (reader, view) in views)
        {
            output.WriteLine($"{phase, -8} {reader, -10} {view}");
        }
    }

    private static void Run(string[] args)
    {
        var run = Shell.Run("exiftool", ["-q", "-m", .. args]);
        Assert.True(run.ExitCode == 0, run.Error);
    }

    public void Dispose()
    {
        _worker?.Dispose();
        _library.Dispose();
        _data.Dispose();
    }
}
