using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MetadataExtractor.Formats.Xmp;
using Microsoft.Extensions.DependencyInjection;
using TagWorker.Faces;
using TagWorker.Storage;
using TagWorker.Tests.Support;
using TagWorker.WriteBack;

namespace TagWorker.Tests.WriteBack;

/// <summary>
/// Write-back on real photos from ../shared/testdata, with the real pipeline's faces, checked with the real readers:
/// exiftool, exiv2 and MetadataExtractor.
/// </summary>
[Collection(nameof(Isolated))]
public sealed class WriteBackTests : IDisposable
{
    private readonly TempDir _library = new("wb-lib");
    private readonly TempDir _data = new("wb-data");
    private Worker? _worker;

    private Worker Start(string mode = "Sidecar", params string[] photos)
    {
        foreach (var photo in photos)
        {
            File.Copy(Path.Combine(Repo.Photos, photo), _library.Combine(photo));
            File.SetLastWriteTimeUtc(_library.Combine(photo), DateTime.UtcNow.AddHours(-1));
        }
        _worker = new Worker(
            _library.Path,
            _data.Path,
            new Dictionary<string, string?> { ["TagWorker:WriteBack:Mode"] = mode },
            withPipeline: true,
            withWriteBack: true
        );
        _worker.ScanAsync().GetAwaiter().GetResult();
        _worker.RunPipelineAsync().GetAwaiter().GetResult();
        return _worker;
    }

    private MetadataWriter Writer => _worker!.Services.GetRequiredService<MetadataWriter>();

    private Decisions Decisions => _worker!.Services.GetRequiredService<Decisions>();

    /// <summary>Makes the largest face of a photo a named person (as naming a group would) and returns the
    /// person.</summary>
    private long NameLargestFace(string photo, string name)
    {
        using var connection = _worker!.Open();
        var face = (long)
            connection.Scalar(
                "SELECT f.id FROM faces f JOIN files fi ON fi.photo_id = f.photo_id WHERE fi.path = $p ORDER BY f.w * f.h DESC LIMIT 1",
                null,
                ("$p", photo)
            )!;
        return Decisions.Split([face], name);
    }

    private ApplyReport ApproveAndApply()
    {
        using (var connection = _worker!.Open())
        {
            Changes.Approve(
                connection,
                new WriteBackOptions(),
                ApprovalScope.All,
                DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)
            );
        }
        return Apply(dryRun: false);
    }

    private ApplyReport Apply(bool dryRun) =>
        Writer.ApplyAsync(dryRun, CancellationToken.None).GetAwaiter().GetResult();

    private UndoReport UndoRecent() =>
        Writer
            .UndoAsync(Writer.WritesSince(DateTimeOffset.UtcNow.AddMinutes(-5)), CancellationToken.None)
            .GetAwaiter()
            .GetResult();

    private TagWorker.Library.ScanResult Rescan(bool analyse)
    {
        var result = _worker!.ScanAsync().GetAwaiter().GetResult();
        if (analyse)
        {
            _worker.RunPipelineAsync().GetAwaiter().GetResult();
        }
        return result;
    }

    private static JsonElement ExifTool(string file)
    {
        var result = Shell.Run("exiftool", "-j", "-struct", "-XMP:all", file);
        Assert.Equal(0, result.ExitCode);
        return JsonDocument.Parse(result.Output).RootElement[0];
    }

    /// <summary>The values that are not object labels TagWorker found (those are written too, and tested
    /// elsewhere).</summary>
    private List<string> NotLabels(JsonElement json, string name)
    {
        using var connection = _worker!.Open();
        var labels = new HashSet<string>();
        using var command = connection.Command("SELECT DISTINCT label FROM objects");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            labels.Add(reader.GetString(0));
        }
        return Strings(json, name).Where(v => !labels.Contains(v)).ToList();
    }

    private static List<string> Strings(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Select(v => v.ToString()).ToList()
                : [value.ToString()]
            : [];

    [Fact]
    public void A_sidecar_carries_names_labels_hierarchy_and_regions_for_every_reader()
    {
        Start("Sidecar", "bus.jpg");
        NameLargestFace("bus.jpg", "Zoë <O'Brien> & \"Co\" 🚌");
        var report = ApproveAndApply();
        Assert.Equal(0, report.Failed);
        var sidecar = _library.Combine("bus.jpg.xmp");
        var bytes = File.ReadAllBytes(sidecar);
        Assert.False(bytes is [0xEF, 0xBB, 0xBF, ..], "no byte-order mark");

        var json = ExifTool(sidecar);
        const string name = "Zoë <O'Brien> & \"Co\" 🚌";
        Assert.Contains(name, Strings(json, "Subject"));
        Assert.Contains("bus", Strings(json, "Subject"));
        Assert.DoesNotContain("person", Strings(json, "Subject")); // people are named, not labelled
        Assert.Contains($"People|{name}", Strings(json, "HierarchicalSubject"));
        Assert.Contains("Objects|bus", Strings(json, "HierarchicalSubject"));
        Assert.Contains($"People/{name}", Strings(json, "TagsList"));
        Assert.Equal([name], Strings(json, "PersonInImage"));
        var regions = json.GetProperty("RegionInfo");
        var region = Assert.Single(regions.GetProperty("RegionList").EnumerateArray());
        Assert.Equal(name, region.GetProperty("Name").GetString());
        Assert.Equal("Face", region.GetProperty("Type").GetString());
        Assert.Equal(810, regions.GetProperty("AppliedToDimensions").GetProperty("W").GetInt32());
        Assert.Equal(1080, regions.GetProperty("AppliedToDimensions").GetProperty("H").GetInt32());

        var validate = Shell.Run("exiftool", "-validate", "-warning", "-error", "-a", sidecar);
        Assert.Contains("OK", validate.Output, StringComparison.Ordinal);

        var exiv2 = Shell.Run("exiv2", "-px", sidecar);
        Assert.Contains($"Xmp.iptcExt.PersonInImage", exiv2.Output, StringComparison.Ordinal);
        Assert.Contains($"People|{name}", exiv2.Output, StringComparison.Ordinal);
        Assert.Contains("Xmp.mwg-rs.Regions/mwg-rs:RegionList[1]/mwg-rs:Name", exiv2.Output, StringComparison.Ordinal);

        var xmp = new XmpReader().Extract(bytes);
        var meta = xmp.XmpMeta!;
        Assert.Equal(name, meta.GetArrayItem(Xmp.NsIptcExt, "PersonInImage", 1).Value);
        Assert.Equal(name, meta.GetProperty(XmpTree.NsRegions, "Regions/mwg-rs:RegionList[1]/mwg-rs:Name").Value);
    }

    [Fact]
    public void Merging_keeps_what_other_tools_wrote_and_a_rename_or_removal_touches_only_our_values()
    {
        Start("Sidecar", "obama_1.jpg");
        var sidecar = _library.Combine("obama_1.jpg.xmp");
        var made = Shell.Run(
            "exiftool",
            "-o",
            sidecar,
            "-XMP-dc:Subject=Holiday",
            "-XMP-dc:Subject=Barack",
            "-XMP-lr:HierarchicalSubject=Trips|Holiday",
            "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=100,H=100,Unit=pixel},RegionList=[{Area={X=0.5,Y=0.5,W=0.1,H=0.1,Unit=normalized},Name=Bob,Type=Face}]}",
            _library.Combine("obama_1.jpg")
        );
        Assert.Equal(0, made.ExitCode);

        var person = NameLargestFace("obama_1.jpg", "Barack");
        Assert.Equal(0, ApproveAndApply().Failed);
        var json = ExifTool(sidecar);
        Assert.Equal(["Holiday", "Barack"], NotLabels(json, "Subject")); // "Barack" was already there: not added twice
        Assert.Contains("Trips|Holiday", Strings(json, "HierarchicalSubject"));
        Assert.Contains("People|Barack", Strings(json, "HierarchicalSubject"));
        var names = json.GetProperty("RegionInfo")
            .GetProperty("RegionList")
            .EnumerateArray()
            .Select(r => r.GetProperty("Name").GetString())
            .ToList();
        Assert.Equal(["Bob", "Barack"], names);

        // Writing again changes nothing.
        var before = File.ReadAllBytes(sidecar);
        Assert.Empty(ApproveAndApply().Files);
        Assert.Equal(before, File.ReadAllBytes(sidecar));

        // Rename: our values follow, the owner's "Barack" keyword (theirs, not ours) stays.
        Decisions.Rename(person, "Barack Obama");
        Assert.Equal(0, ApproveAndApply().Failed);
        json = ExifTool(sidecar);
        Assert.Equal(["Holiday", "Barack", "Barack Obama"], NotLabels(json, "Subject"));
        Assert.DoesNotContain("People|Barack", Strings(json, "HierarchicalSubject"));
        Assert.Contains("People|Barack Obama", Strings(json, "HierarchicalSubject"));
        Assert.Equal(["Barack Obama"], Strings(json, "PersonInImage"));
        names = json.GetProperty("RegionInfo")
            .GetProperty("RegionList")
            .EnumerateArray()
            .Select(r => r.GetProperty("Name").GetString())
            .ToList();
        Assert.Equal(["Bob", "Barack Obama"], names);

        // Removal (the face was not a face after all): exactly our values go.
        using (var connection = _worker!.Open())
        {
            foreach (var face in connection.Ids("SELECT id FROM faces WHERE person_id = $p", null, ("$p", person)))
            {
                Decisions.Reject(face, "not_a_face");
            }
        }
        Assert.Equal(0, ApproveAndApply().Failed);
        json = ExifTool(sidecar);
        Assert.Equal(["Holiday", "Barack"], NotLabels(json, "Subject"));
        Assert.Equal(
            ["Trips|Holiday"],
            Strings(json, "HierarchicalSubject").Where(s => !s.StartsWith("Objects|", StringComparison.Ordinal))
        );
        Assert.Empty(Strings(json, "PersonInImage"));
        Assert.Equal(
            ["Bob"],
            json.GetProperty("RegionInfo")
                .GetProperty("RegionList")
                .EnumerateArray()
                .Select(r => r.GetProperty("Name").GetString())
        );
    }

    [Fact]
    public void Undo_restores_the_sidecar_as_it_was_or_removes_the_one_we_created()
    {
        Start("Sidecar", "obama_1.jpg", "biden_1.jpg");
        var foreign = _library.Combine("obama_1.jpg.xmp");
        Assert.Equal(
            0,
            Shell.Run("exiftool", "-o", foreign, "-XMP-dc:Subject=Mine", _library.Combine("obama_1.jpg")).ExitCode
        );
        var original = File.ReadAllBytes(foreign);
        NameLargestFace("obama_1.jpg", "Barack");
        NameLargestFace("biden_1.jpg", "Joe");
        var report = ApproveAndApply();
        Assert.Equal(2, report.Written);
        Assert.True(File.Exists(_library.Combine("biden_1.jpg.xmp")));

        var undo = UndoRecent();
        Assert.Equal(2, undo.Undone);
        Assert.Equal(original, File.ReadAllBytes(foreign));
        Assert.False(File.Exists(_library.Combine("biden_1.jpg.xmp")));
        using var connection = _worker!.Open();
        Assert.Equal(0L, connection.Scalar("SELECT count(*) FROM written"));
        Assert.Equal(2L, connection.Scalar("SELECT count(*) FROM writes WHERE state = 'undone'"));
    }

    [Fact]
    public void A_malformed_sidecar_is_kept_and_reported_never_replaced()
    {
        Start("Sidecar", "biden_1.jpg");
        var sidecar = _library.Combine("biden_1.jpg.xmp");
        File.WriteAllText(sidecar, "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><broken");
        var before = File.ReadAllBytes(sidecar);
        NameLargestFace("biden_1.jpg", "Joe");
        var report = ApproveAndApply();
        var file = Assert.Single(report.Files);
        Assert.Equal("failed", file.State);
        Assert.Contains("malformed", file.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(sidecar));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_data.Path, "backups", "malformed")));

        // Every apply round tries again: still one copy, one row in the failed list (with the reason), no journal rows.
        Apply(dryRun: false);
        Apply(dryRun: false);
        Assert.Single(Directory.GetFiles(Path.Combine(_data.Path, "backups", "malformed")));
        using (var connection = _worker!.Open())
        {
            Assert.Equal(
                1L,
                connection.Scalar(
                    "SELECT count(*) FROM write_failures WHERE target = 'biden_1.jpg.xmp' AND reason LIKE '%malformed%'"
                )
            );
            Assert.Equal(0L, connection.Scalar("SELECT count(*) FROM writes"));
        }

        // Another program repairs the sidecar: the next write succeeds and the failure is gone.
        File.WriteAllText(
            sidecar,
            "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></x:xmpmeta>"
        );
        Assert.Equal("done", Assert.Single(Apply(dryRun: false).Files).State);
        using (var connection = _worker!.Open())
        {
            Assert.Equal(0L, connection.Scalar("SELECT count(*) FROM write_failures"));
        }
    }

    [Fact]
    public void A_sidecar_with_a_DOCTYPE_is_refused_with_that_reason()
    {
        Start("Sidecar", "biden_1.jpg");
        var sidecar = _library.Combine("biden_1.jpg.xmp");
        File.WriteAllText(
            sidecar,
            """
            <?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>
            """
        );
        var before = File.ReadAllBytes(sidecar);
        NameLargestFace("biden_1.jpg", "Joe");
        var file = Assert.Single(ApproveAndApply().Files);
        Assert.Equal("failed", file.State);
        Assert.Contains("it has a DOCTYPE", file.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(sidecar));
    }

    [Theory]
    [InlineData("Sidecar")]
    [InlineData("Embedded")]
    public void A_symbolic_link_is_never_written_through_and_its_target_never_copied(string mode)
    {
        Start(mode, "biden_1.jpg");
        using var outside = new TempDir("outside");
        var secret = outside.Write(
            "secret.xmp",
            "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></x:xmpmeta>"
        );
        var photo = _library.Combine("biden_1.jpg");
        var target = mode == "Sidecar" ? photo + ".xmp" : photo;
        if (mode == "Embedded")
        {
            // The photo's path becomes a link to the same bytes elsewhere: writing would turn the link into a file.
            File.Copy(photo, outside.Combine("photo.jpg"));
            File.Delete(photo);
            File.CreateSymbolicLink(photo, outside.Combine("photo.jpg"));
        }
        else
        {
            File.CreateSymbolicLink(target, secret);
        }
        var pointsTo = File.ReadAllBytes(mode == "Sidecar" ? secret : outside.Combine("photo.jpg"));
        NameLargestFace("biden_1.jpg", "Joe");

        var file = Assert.Single(ApproveAndApply().Files);

        Assert.Equal("failed", file.State);
        Assert.Contains("is a symbolic link", file.Error, StringComparison.Ordinal);
        Assert.NotNull(new FileInfo(target).LinkTarget); // still a link
        Assert.Equal(pointsTo, File.ReadAllBytes(mode == "Sidecar" ? secret : outside.Combine("photo.jpg")));
        var backups = Path.Combine(_data.Path, "backups");
        Assert.Empty(Directory.Exists(backups) ? Directory.GetFiles(backups, "*", SearchOption.AllDirectories) : []);
    }

    [Theory]
    [InlineData("exif_orientation_3.jpg", 3)]
    [InlineData("exif_orientation_6.jpg", 6)]
    [InlineData("exif_orientation_8.jpg", 8)]
    public void Regions_refer_to_the_stored_pixels_whatever_the_orientation(string photo, int orientation)
    {
        Start("Sidecar", photo);
        long person;
        int width,
            height;
        using (var connection = _worker!.Open())
        {
            var photoId = _worker.PhotoOf(photo);
            Assert.Equal(
                (long)orientation,
                connection.Scalar("SELECT orientation FROM photos WHERE id = $p", null, ("$p", photoId))
            );
            width = Convert.ToInt32(
                connection.Scalar("SELECT width FROM photos WHERE id = $p", null, ("$p", photoId)),
                CultureInfo.InvariantCulture
            );
            height = Convert.ToInt32(
                connection.Scalar("SELECT height FROM photos WHERE id = $p", null, ("$p", photoId)),
                CultureInfo.InvariantCulture
            );
            // A face in the displayed photo's top-left corner: 10% in from the left, 20% down, 10% x 10% of the photo.
            var face = (long)
                connection.Scalar(
                    """
                    INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness) VALUES ($p, $x, $y, $w, $h, x'', 0.9, 50, 100) RETURNING id
                    """,
                    null,
                    ("$p", photoId),
                    ("$x", 0.05 * width),
                    ("$y", 0.15 * height),
                    ("$w", 0.1 * width),
                    ("$h", 0.1 * height)
                )!;
            person = Decisions.Split([face], "Corner");
        }
        Assert.Equal(0, ApproveAndApply().Failed);
        var info = ExifTool(_library.Combine(photo + ".xmp")).GetProperty("RegionInfo");
        var stored = Shell
            .Run("exiftool", "-s3", "-ImageWidth", "-ImageHeight", _library.Combine(photo))
            .Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            int.Parse(stored[0], CultureInfo.InvariantCulture),
            info.GetProperty("AppliedToDimensions").GetProperty("W").GetInt32()
        );
        Assert.Equal(
            int.Parse(stored[1], CultureInfo.InvariantCulture),
            info.GetProperty("AppliedToDimensions").GetProperty("H").GetInt32()
        );
        var area = info.GetProperty("RegionList")[0].GetProperty("Area");
        var (x, y) = (area.GetProperty("X").GetDouble(), area.GetProperty("Y").GetDouble());
        // Displayed centre (0.1, 0.2). Stored: 3 = rotated 180 (bottom right), 6 = needs 90° clockwise (bottom left),
        // 8 = needs 90° anticlockwise (top right).
        var (ex, ey) = orientation switch
        {
            3 => (0.9, 0.8),
            6 => (0.2, 0.9),
            _ => (0.8, 0.1),
        };
        Assert.Equal(ex, x, 3);
        Assert.Equal(ey, y, 3);
        Assert.True(person > 0);
    }

    [Fact]
    public void A_photo_with_a_JPEG_segment_shorter_than_its_length_field_fails_alone_and_the_others_are_written()
    {
        Start("Embedded", "kit_harington_1.jpg", "biden_1.jpg");
        NameLargestFace("kit_harington_1.jpg", "Kit");
        NameLargestFace("biden_1.jpg", "Joe");
        // After analysis another program leaves a broken APP1 (length 1, shorter than its own length field) after SOI.
        var broken = _library.Combine("biden_1.jpg");
        var bytes = File.ReadAllBytes(broken);
        File.WriteAllBytes(broken, [.. bytes[..2], 0xFF, 0xE1, 0x00, 0x01, .. bytes[2..]]);
        var before = File.ReadAllBytes(broken);

        var report = ApproveAndApply();

        Assert.Equal("done", Assert.Single(report.Files, f => f.Path == "kit_harington_1.jpg").State);
        var failed = Assert.Single(report.Files, f => f.Path == "biden_1.jpg");
        Assert.NotEqual("done", failed.State);
        Assert.False(string.IsNullOrWhiteSpace(failed.Error));
        Assert.Equal(before, File.ReadAllBytes(broken));
    }

    [Fact]
    public void An_embedded_write_keeps_the_image_data_the_owners_keywords_and_the_photos_identity_and_can_be_undone()
    {
        Start("Embedded", "kit_harington_1.jpg");
        var path = _library.Combine("kit_harington_1.jpg");
        Assert.Equal(
            0,
            Shell.Run("exiftool", "-overwrite_original", "-XMP-dc:Subject=Mine", "-IPTC:Keywords=Mine", path).ExitCode
        );
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        Rescan(analyse: true); // the owner's own edit is new content: analyse it
        var photoId = _worker!.PhotoOf("kit_harington_1.jpg");
        var original = File.ReadAllBytes(path);
        var mtime = File.GetLastWriteTimeUtc(path);
        NameLargestFace("kit_harington_1.jpg", "Kit");

        var report = ApproveAndApply();
        Assert.Equal(0, report.Failed);
        var json = ExifTool(path);
        Assert.Equal(["Mine", "Kit"], Strings(json, "Subject"));
        Assert.Equal(["Kit"], Strings(json, "PersonInImage"));
        Assert.Equal("Mine, Kit", Shell.Run("exiftool", "-s3", "-IPTC:Keywords", path).Output.Trim()); // IIM kept in step with dc:subject
        Assert.Equal(ImageHashOf(original), ImageHashOf(File.ReadAllBytes(path)));
        Assert.True(File.GetLastWriteTimeUtc(path) > mtime); // KeepMtime is off by default: Immich's scan re-reads the photo
        Assert.Empty(Directory.GetFiles(_library.Path, ".*")); // no temporary file left

        using (var connection = _worker.Open())
        {
            var backup = (string)connection.Scalar("SELECT backup FROM writes WHERE state = 'done'")!;
            Assert.Equal(original, File.ReadAllBytes(Path.Combine(_data.Path, backup)));
        }
        var scan = Rescan(analyse: false);
        Assert.Equal(0, scan.New);
        Assert.Equal(0, scan.Changed);
        Assert.Equal(photoId, _worker.PhotoOf("kit_harington_1.jpg"));
        Assert.Equal("analyzed", _worker.Query<string>("SELECT state FROM photos WHERE id = $p", ("$p", photoId)));

        var undo = UndoRecent();
        Assert.Equal(1, undo.Undone);
        Assert.Equal(SHA256.HashData(original), SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public void A_write_interrupted_before_the_rename_is_rolled_back_and_one_interrupted_after_it_is_finished()
    {
        // Simulates the journal a SIGKILL leaves behind (the real kill is in the process test below).
        Start("Sidecar", "biden_1.jpg", "obama_1.jpg");
        var photoA = _worker!.PhotoOf("biden_1.jpg");
        var photoB = _worker.PhotoOf("obama_1.jpg");
        var temp = _library.Combine(".biden_1.jpg.tagworker-1.xmp");
        File.WriteAllText(temp, "half");
        File.WriteAllText(_library.Combine("obama_1.jpg.xmp"), "new");
        var hashNew = FileSnapshot.HashOf(_library.Combine("obama_1.jpg.xmp"));
        using (var connection = _worker.Open())
        {
            connection.Execute(
                """
                INSERT INTO writes (photo_id, path, mode, added, removed, before, after, hash_before, hash_after, temp, state, created_at)
                VALUES ($a, 'biden_1.jpg', 'sidecar', '[]', '[]', '[]', '[]', NULL, 'X', $t, 'started', '2026-01-01'),
                       ($b, 'obama_1.jpg', 'sidecar', '[]', '[]', '[]', $after, NULL, $h, NULL, 'started', '2026-01-01')
                """,
                null,
                ("$a", photoA),
                ("$b", photoB),
                ("$t", temp),
                ("$h", hashNew),
                ("$after", """[{"Subject":"person:1","Value":"Barack","Entries":{"Fields":[],"Regions":[]}}]""")
            );
        }
        Writer.Recover();
        Assert.False(File.Exists(temp));
        using var check = _worker.Open();
        Assert.Equal("failed", check.Scalar("SELECT state FROM writes WHERE path = 'biden_1.jpg'"));
        Assert.Equal("done", check.Scalar("SELECT state FROM writes WHERE path = 'obama_1.jpg'"));
        Assert.Equal("Barack", check.Scalar("SELECT value FROM written WHERE photo_id = $p", null, ("$p", photoB)));
    }

    [Fact]
    public void A_sidecar_another_program_changes_between_read_and_replace_is_merged_again_not_overwritten()
    {
        Start("Sidecar", "biden_1.jpg");
        var sidecar = _library.Combine("biden_1.jpg.xmp");
        Assert.Equal(
            0,
            Shell.Run("exiftool", "-o", sidecar, "-XMP-dc:Subject=Before", _library.Combine("biden_1.jpg")).ExitCode
        );
        NameLargestFace("biden_1.jpg", "Joe");
        var interfered = false;
        Writer.BeforeReplace = target =>
        {
            if (!interfered)
            {
                interfered = true; // digiKam, say, adds a keyword while TagWorker is writing
                Assert.Equal(
                    0,
                    Shell.Run("exiftool", "-overwrite_original", "-XMP-dc:Subject+=Meanwhile", target).ExitCode
                );
            }
        };
        var report = ApproveAndApply();
        Assert.True(interfered);
        Assert.Equal("done", Assert.Single(report.Files).State);
        var subjects = NotLabels(ExifTool(sidecar), "Subject");
        Assert.Equal(["Before", "Meanwhile", "Joe"], subjects);
        using var connection = _worker!.Open();
        Assert.Equal(
            "changed by another program meanwhile; merged again",
            connection.Scalar("SELECT error FROM writes WHERE state = 'failed'")
        );
    }

    [Theory]
    [InlineData("Sidecar")]
    [InlineData("Embedded")]
    public void Another_programs_write_that_lands_right_before_the_swap_is_not_overwritten(string mode)
    {
        Start(mode, "biden_1.jpg");
        var target = mode == "Sidecar" ? _library.Combine("biden_1.jpg.xmp") : _library.Combine("biden_1.jpg");
        if (mode == "Sidecar")
        {
            Assert.Equal(
                0,
                Shell.Run("exiftool", "-o", target, "-XMP-dc:Subject=Before", _library.Combine("biden_1.jpg")).ExitCode
            );
        }
        NameLargestFace("biden_1.jpg", "Joe");
        var interfered = false;
        Writer.BeforeReplace = path =>
        {
            if (!interfered)
            {
                interfered = true; // its rename lands after TagWorker read the file and right before TagWorker's own
                Assert.Equal(
                    0,
                    Shell.Run("exiftool", "-overwrite_original", "-XMP-dc:Subject+=Meanwhile", path).ExitCode
                );
            }
        };
        var report = ApproveAndApply();
        Assert.True(interfered);
        Assert.All(report.Files, f => Assert.Equal("done", f.State));
        var subjects = NotLabels(ExifTool(target), "Subject");
        Assert.Contains("Meanwhile", subjects);
        Assert.Contains("Joe", subjects);
        Assert.Empty(Directory.GetFiles(_library.Path, ".*")); // no temporary file left
    }

    /// <summary>
    /// The race measured for real: exiftool adds a keyword after keyword to a large photo (its read-modify-write,
    /// as digiKam's or a script's) while TagWorker renames a person in it again and again, embedded. Every keyword
    /// exiftool reported written is in the photo at the end (TagWorker's own name may lose to exiftool's rename:
    /// that is the audit's to find).
    /// </summary>
    [Fact]
    [Trait("Speed", "Slow")]
    public async Task A_concurrent_exiftool_loop_on_a_large_photo_loses_none_of_its_keywords()
    {
        var big = _library.Combine("big.jpg");
        Assert.Equal(
            0,
            Shell.Run("vips", "resize", Path.Combine(Repo.Photos, "obama_1.jpg"), big + "[Q=95]", "4").ExitCode
        );
        File.SetLastWriteTimeUtc(big, DateTime.UtcNow.AddHours(-1));
        var worker = Start("Embedded");
        var person = NameLargestFace("big.jpg", "Joe 0");
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var other = Task.Run(() =>
        {
            for (var n = 1; !stop.IsCancellationRequested; n++)
            {
                if (
                    Shell.Run("exiftool", "-q", "-m", "-overwrite_original", $"-XMP-dc:Subject+=EXT_{n}", big).ExitCode
                    == 0
                )
                {
                    written.Add($"EXT_{n}");
                }
            }
        });
        int done = 0,
            retried = 0;
        for (var i = 1; i <= 15; i++)
        {
            Decisions.Rename(person, $"Joe {i}");
            var report = ApproveAndApply();
            done += report.Files.Count(f => f.State == "done");
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await other;
        using (var connection = worker.Open())
        {
            retried = Convert.ToInt32(
                connection.Scalar("SELECT count(*) FROM writes WHERE error LIKE 'changed by another program%'"),
                System.Globalization.CultureInfo.InvariantCulture
            );
        }
        var subjects = NotLabels(ExifTool(big), "Subject");
        var lost = written.Where(k => !subjects.Contains(k)).ToList();
        Console.WriteLine(
            $"exiftool wrote {written.Count} keywords, TagWorker {done} writes ({retried} merged again after a collision); lost: {lost.Count}"
        );
        Assert.Empty(lost);
    }

    [Fact]
    public void Percent_signs_in_folder_and_file_names_are_names_not_exiftool_formats()
    {
        var folder = _library.Combine("100%d %f");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(Repo.Photos, "biden_1.jpg"), Path.Combine(folder, "joe %e%c.jpg"));
        File.SetLastWriteTimeUtc(Path.Combine(folder, "joe %e%c.jpg"), DateTime.UtcNow.AddHours(-1));
        Start("Embedded");
        NameLargestFace("100%d %f/joe %e%c.jpg", "Joe");
        var report = ApproveAndApply();
        Assert.True(Assert.Single(report.Files).State == "done", report.Files[0].Error);
        Assert.Equal(["Joe"], NotLabels(ExifTool(Path.Combine(folder, "joe %e%c.jpg")), "Subject"));
        var files = Directory.GetFiles(_library.Path, "*", SearchOption.AllDirectories);
        Assert.Equal([Path.Combine(folder, "joe %e%c.jpg")], files); // no copy of the photo anywhere else
    }

    [Fact]
    public void A_library_folder_the_worker_cannot_write_fails_clearly_and_loses_nothing()
    {
        Start("Sidecar", "biden_1.jpg");
        NameLargestFace("biden_1.jpg", "Joe");
        using (var connection = _worker!.Open())
        {
            Changes.Approve(connection, new WriteBackOptions(), ApprovalScope.All, "2026-01-01");
        }
        var photo = File.ReadAllBytes(_library.Combine("biden_1.jpg"));
        _worker.Dispose();
        _worker = null;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The real app, as an unprivileged user (root writes anywhere), on a library it may read but not write.
        Shell.Run("chmod", "-R", "a+rwX", _data.Path);
        Shell.Run("chmod", "555", _library.Path);
        try
        {
            var args = new List<string>
            {
                "dotnet",
                Repo.AppDll,
                "apply",
                "--library",
                _library.Path,
                "--data",
                _data.Path,
            };
            if (Shell.IsRoot)
            {
                args.InsertRange(0, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
            }
            var env = new Dictionary<string, string?>(
                Analyzers.Paths().ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value)
            )
            {
                ["HOME"] = Path.GetTempPath(),
                ["DOTNET_CLI_HOME"] = Path.GetTempPath(),
            };
            var result = Shell.Run(args[0], args.Skip(1), env);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("failed", result.Output, StringComparison.Ordinal);
            Assert.Contains("permission denied", result.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(_library.Combine("biden_1.jpg.xmp")));
            Assert.Equal(photo, File.ReadAllBytes(_library.Combine("biden_1.jpg")));
            Assert.Empty(Directory.GetFiles(_library.Path, ".*"));
        }
        finally
        {
            Shell.Run("chmod", "755", _library.Path);
        }
    }

    [Fact]
    public async Task Switching_from_Embedded_to_Sidecar_says_which_photos_keep_embedded_names_and_the_mtime_changes_for_Immich()
    {
        var worker = Start("Embedded", "obama_1.jpg");
        var mtime = File.GetLastWriteTimeUtc(_library.Combine("obama_1.jpg"));
        NameLargestFace("obama_1.jpg", "Barack Obama");
        Assert.Equal(0, ApproveAndApply().Failed);
        Assert.NotEqual(mtime, File.GetLastWriteTimeUtc(_library.Combine("obama_1.jpg"))); // KeepMtime is off: Immich's scan re-reads it
        Assert.Equal(1, worker.Services.GetRequiredService<WriteJournal>().EmbeddedLeftBehind());
        worker.Dispose();

        using var sidecar = new Worker(
            _library.Path,
            _data.Path,
            new Dictionary<string, string?> { ["TagWorker:WriteBack:Mode"] = "Sidecar" },
            withWriteBack: true
        );
        var journal = sidecar.Services.GetRequiredService<WriteJournal>();
        Assert.Equal(1, journal.EmbeddedLeftBehind());
        var writer = sidecar.Services.GetRequiredService<MetadataWriter>();
        var undone = await writer.UndoAsync(writer.WritesSince(DateTimeOffset.MinValue), CancellationToken.None);
        Assert.Equal(0, undone.Failed);
        Assert.Equal(0, journal.EmbeddedLeftBehind());
        _worker = null;
    }

    [Fact]
    public async Task SIGKILL_in_the_middle_of_embedded_writes_leaves_every_photo_whole_and_the_next_run_finishes()
    {
        // 60 distinct JPEGs (bus.jpg with a different comment each), known to the database, each with a named face.
        var source = Path.Combine(Repo.Photos, "bus.jpg");
        var argfile = _data.Combine("args.txt");
        File.WriteAllLines(
            argfile,
            Enumerable
                .Range(0, 60)
                .SelectMany(i =>
                    new[] { $"-Comment=copy {i}", "-o", _library.Combine($"bus_{i:D2}.jpg"), source, "-execute" }
                )
        );
        Assert.Equal(0, Shell.Run("exiftool", "-q", "-@", argfile).ExitCode);
        File.Delete(argfile);
        foreach (var file in Directory.GetFiles(_library.Path))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
        }
        _worker = new Worker(
            _library.Path,
            _data.Path,
            new Dictionary<string, string?> { ["TagWorker:WriteBack:Mode"] = "Embedded" },
            withWriteBack: true
        );
        await _worker.ScanAsync();
        using (var connection = _worker.Open())
        {
            connection.Execute("UPDATE photos SET state = 'analyzed', width = 810, height = 1080, orientation = 1");
            connection.Execute(
                "INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Kill Test', 'now', 'now')"
            );
            connection.Execute(
                "INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, person_id, assigned_by) SELECT id, 100, 200, 150, 180, x'', 0.9, 150, 100, 1, 'user' FROM photos"
            );
            Changes.Approve(connection, new WriteBackOptions(), ApprovalScope.All, "2026-01-01");
        }
        var originals = Directory.GetFiles(_library.Path, "*.jpg").ToDictionary(f => f, File.ReadAllBytes);

        var env = new Dictionary<string, string?>(
            Analyzers.Paths().ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value)
        )
        {
            ["TagWorker__WriteBack__Mode"] = "Embedded",
        };
        using (
            var apply = Shell.Start(
                "dotnet",
                [Repo.AppDll, "apply", "--library", _library.Path, "--data", _data.Path],
                env
            )
        )
        {
            for (var i = 0; i < 600 && _worker.Query<long>("SELECT count(*) FROM writes WHERE state = 'done'") < 5; i++)
            {
                await Task.Delay(20);
            }
            Shell.Run("kill", "-KILL", apply.Id.ToString(CultureInfo.InvariantCulture));
            await apply.WaitForExitAsync();
        }
        var done = _worker.Query<long>("SELECT count(*) FROM writes WHERE state = 'done'");
        Assert.InRange(done, 5, 59); // killed part-way

        foreach (var (path, before) in originals)
        {
            var now = File.ReadAllBytes(path);
            Assert.Equal(ImageHashOf(before), ImageHashOf(now));
            Assert.True(
                now.AsSpan().SequenceEqual(before) || Strings(ExifTool(path), "Subject").Contains("Kill Test"),
                $"{path} is neither the old nor the new file"
            );
        }

        Assert.Equal(0, Apply(dryRun: false).Failed);
        Assert.All(originals.Keys, path => Assert.Contains("Kill Test", Strings(ExifTool(path), "PersonInImage")));
        Assert.Equal(0L, _worker.Query<long>("SELECT count(*) FROM writes WHERE state = 'started'"));
        Assert.Empty(Directory.GetFiles(_library.Path, ".*"));
        Assert.Equal(0, (await _worker.ScanAsync()).New);
    }

    [Fact]
    public void A_dry_run_reports_and_touches_nothing()
    {
        Start("Sidecar", "biden_1.jpg");
        NameLargestFace("biden_1.jpg", "Joe");
        using (var connection = _worker!.Open())
        {
            Changes.Approve(connection, new WriteBackOptions(), ApprovalScope.All, "2026-01-01");
        }
        var report = Apply(dryRun: true);
        Assert.Equal("would write", Assert.Single(report.Files).State);
        Assert.Contains("Joe", report.Files[0].Added);
        Assert.False(File.Exists(_library.Combine("biden_1.jpg.xmp")));
        Assert.Equal(0L, _worker.Query<long>("SELECT count(*) FROM writes"));
    }

    public void Dispose()
    {
        _worker?.Dispose();
        _library.Dispose();
        _data.Dispose();
    }

    /// <summary>The hash of the bytes that make the image (the JPEG's scans and tables), as the library identifies
    /// photos.</summary>
    private static string ImageHashOf(byte[] file)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tagworker-imagehash-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, file);
        try
        {
            return Convert.ToHexString(TagWorker.Library.ImageHash.Compute(path).Image!);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
