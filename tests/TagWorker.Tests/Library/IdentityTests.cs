using Microsoft.Extensions.DependencyInjection;
using TagWorker.Faces;
using TagWorker.Library;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Library;

/// <summary>
/// The owner's decisions survive other programs: a photo is its image, so another tool's metadata edit
/// (real exiftool, on JPEG, PNG and HEIC) keeps the photo, its faces, names and albums; a pixel edit
/// (real libvips) is a new version whose faces take over the old ones' names.
/// </summary>
[Collection(nameof(Isolated))]
public sealed class IdentityTests : IDisposable
{
    private readonly TempDir _library = new("lib");
    private readonly TempDir _data = new("data");
    private readonly Worker _worker;

    public IdentityTests() => _worker = new Worker(_library.Path, _data.Path, withPipeline: true, withWriteBack: true);

    public void Dispose()
    {
        _worker.Dispose();
        _library.Dispose();
        _data.Dispose();
    }

    [Theory]
    [InlineData("jpg")]
    [InlineData("png")]
    [InlineData("heic")]
    public async Task Another_programs_metadata_edit_keeps_the_photo_its_named_faces_and_its_album(string format)
    {
        var photo = Put($"zidane.{format}");
        await _worker.ScanAsync();
        await _worker.RunPipelineAsync();
        var id = _worker.PhotoOf(photo);
        var (faceIds, personId) = NameLargestFace(id, "Zinedine");
        var album = CreateAlbum(id);
        var analyzedAt = _worker.Query<string>("SELECT analyzed_at FROM photos WHERE id = $id", ("$id", id));

        var edit = Shell.Run(
            "exiftool",
            "-m",
            "-q",
            "-overwrite_original",
            "-XMP-dc:Subject+=Holiday",
            "-EXIF:Artist=Someone",
            "-XMP-xmp:Rating=4",
            "-EXIF:DateTimeOriginal=2011:02:03 04:05:06",
            _library.Combine(photo)
        );
        Assert.True(edit.ExitCode == 0, edit.Error);
        var result = await _worker.ScanAsync();
        await _worker.RunPipelineAsync();

        Assert.Equal((1, 0, 0, 0), (result.MetadataChanged, result.New, result.Changed, result.Removed));
        Assert.Equal(id, _worker.PhotoOf(photo));
        Assert.Equal(analyzedAt, _worker.Query<string>("SELECT analyzed_at FROM photos WHERE id = $id", ("$id", id))); // not analysed again
        Assert.Equal(
            "2011-02-03T04:05:06",
            _worker.Query<string>("SELECT taken_at FROM photos WHERE id = $id", ("$id", id))
        ); // header read again
        Assert.Equal(personId, _worker.Query<long>("SELECT person_id FROM faces WHERE id = $f", ("$f", faceIds[0])));
        Assert.Equal("user", _worker.Query<string>("SELECT assigned_by FROM faces WHERE id = $f", ("$f", faceIds[0])));
        Assert.Equal(
            1,
            _worker.Query<long>(
                "SELECT count(*) FROM album_photos WHERE album_id = $a AND photo_id = $p",
                ("$a", album),
                ("$p", id)
            )
        );
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM photos WHERE removed_at IS NOT NULL"));
    }

    [Fact]
    public async Task A_pixel_edit_is_a_new_version_whose_faces_keep_their_names()
    {
        var photo = Put("zidane.jpg");
        await _worker.ScanAsync();
        await _worker.RunPipelineAsync();
        var id = _worker.PhotoOf(photo);
        var (faceIds, personId) = NameLargestFace(id, "Zinedine");
        var rejected = _worker.Query<long>(
            "SELECT id FROM faces WHERE photo_id = $p AND id <> $f",
            ("$p", id),
            ("$f", faceIds[0])
        );
        _worker.Services.GetRequiredService<Decisions>().Reject(rejected, "stranger");

        // A real pixel edit: cut 60 px off the left and a little brightening, as an editor would save it.
        var edited = _library.Combine("edited.jpg");
        Assert.Equal(0, Shell.Run("vips", "crop", _library.Combine(photo), edited, "60", "0", "1220", "720").ExitCode);
        Assert.Equal(0, Shell.Run("vips", "linear", edited, _library.Combine("bright.v"), "1.05", "4").ExitCode);
        Assert.Equal(
            0,
            Shell.Run("vips", "copy", _library.Combine("bright.v"), _library.Combine(photo) + "[Q=92]").ExitCode
        );
        File.Delete(edited);
        File.Delete(_library.Combine("bright.v"));
        File.SetLastWriteTimeUtc(_library.Combine(photo), DateTime.UtcNow.AddMinutes(-1));
        var result = await _worker.ScanAsync();

        Assert.Equal((1, 0), (result.Changed, result.New));
        Assert.Equal(id, _worker.PhotoOf(photo));
        Assert.Equal("pending", _worker.Query<string>("SELECT state FROM photos WHERE id = $id", ("$id", id)));
        await _worker.RunPipelineAsync();
        Assert.Equal(2, _worker.Query<long>("SELECT version FROM photos WHERE id = $id", ("$id", id)));
        Assert.Equal(1220, _worker.Query<long>("SELECT width FROM photos WHERE id = $id", ("$id", id)));
        Assert.Equal(personId, _worker.Query<long>("SELECT person_id FROM faces WHERE id = $f", ("$f", faceIds[0])));
        Assert.Equal("user", _worker.Query<string>("SELECT assigned_by FROM faces WHERE id = $f", ("$f", faceIds[0])));
        Assert.Equal("stranger", _worker.Query<string>("SELECT rejected FROM faces WHERE id = $f", ("$f", rejected)));
        Assert.Equal(2, _worker.Query<long>("SELECT count(*) FROM faces WHERE photo_id = $p", ("$p", id)));
    }

    [Fact]
    public async Task A_rotation_written_into_the_metadata_analyses_again_and_keeps_the_names()
    {
        var photo = Put("obama_1.jpg");
        await _worker.ScanAsync();
        await _worker.RunPipelineAsync();
        var id = _worker.PhotoOf(photo);
        var (faceIds, personId) = NameLargestFace(id, "Barack");
        var (width, height) = (
            _worker.Query<long>("SELECT width FROM photos WHERE id = $i", ("$i", id)),
            _worker.Query<long>("SELECT height FROM photos WHERE id = $i", ("$i", id))
        );

        Assert.Equal(
            0,
            Shell
                .Run(
                    "exiftool",
                    "-m",
                    "-q",
                    "-overwrite_original",
                    "-n",
                    "-EXIF:Orientation=6",
                    _library.Combine(photo)
                )
                .ExitCode
        );
        var result = await _worker.ScanAsync();
        await _worker.RunPipelineAsync();

        Assert.Equal(1, result.MetadataChanged);
        Assert.Equal(
            (height, width),
            (
                _worker.Query<long>("SELECT width FROM photos WHERE id = $i", ("$i", id)),
                _worker.Query<long>("SELECT height FROM photos WHERE id = $i", ("$i", id))
            )
        );
        Assert.Equal(6, _worker.Query<long>("SELECT orientation FROM photos WHERE id = $i", ("$i", id)));
        Assert.Equal(personId, _worker.Query<long>("SELECT person_id FROM faces WHERE id = $f", ("$f", faceIds[0])));
        var box = _worker.Query<double>("SELECT w FROM faces WHERE id = $f", ("$f", faceIds[0]));
        Assert.True(box > 0);
    }

    [Fact]
    public async Task A_moved_library_with_a_stray_file_left_behind_holds_the_removal_until_confirmed()
    {
        for (var i = 0; i < 60; i++)
        {
            _library.Write($"album/{i:D3}.jpg", $"photo {i}");
        }
        await _worker.ScanAsync();
        Directory.Move(_library.Combine("album"), _data.Combine("elsewhere"));
        _library.Write("stray.jpg", "one photo left in the root");

        var first = await _worker.ScanAsync();
        var second = await _worker.ScanAsync();

        Assert.Equal((60, 0), (first.HeldBack, first.Removed));
        Assert.Equal((60, 0), (second.HeldBack, second.Removed));
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM photos WHERE removed_at IS NOT NULL"));
        var safety = _worker.Services.GetRequiredService<LibrarySafety>();
        var hold = safety.OpenHold()!;
        Assert.Equal((60, 2), (hold.Files, hold.Passes));
        Assert.StartsWith("album/", hold.Sample[0], StringComparison.Ordinal);

        Assert.True(safety.Confirm(hold.Id));
        var third = await _worker.ScanAsync();

        Assert.Equal((0, 60), (third.HeldBack, third.Removed));
        Assert.Null(safety.OpenHold());
    }

    [Fact]
    public async Task Files_that_come_back_end_the_hold_and_nothing_was_lost()
    {
        for (var i = 0; i < 60; i++)
        {
            _library.Write($"album/{i:D3}.jpg", $"photo {i}");
        }
        await _worker.ScanAsync();
        Directory.Move(_library.Combine("album"), _data.Combine("away"));
        _library.Write("stray.jpg", "left behind");
        Assert.Equal(60, (await _worker.ScanAsync()).HeldBack);

        Directory.Move(_data.Combine("away"), _library.Combine("album"));
        var back = await _worker.ScanAsync();

        Assert.Equal((0, 0), (back.HeldBack, back.Removed));
        Assert.Null(_worker.Services.GetRequiredService<LibrarySafety>().OpenHold());
        Assert.Equal(61, _worker.Query<long>("SELECT count(*) FROM files WHERE state = 'present'"));
    }

    [Fact]
    public async Task Purging_keeps_photos_with_confirmed_faces_until_the_owner_lets_them_go()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var worker = new Worker(
            _library.Path,
            _data.Combine("d2"),
            clock: clock,
            withPipeline: true,
            withWriteBack: true
        );
        var photo = Put("zidane.jpg");
        Put("bus.jpg");
        Put("obama_1.jpg"); // stays: a library emptied at once is never taken for deletions
        await worker.ScanAsync();
        await worker.RunPipelineAsync();
        var named = worker.PhotoOf(photo);
        var face = worker.Query<long>(
            "SELECT id FROM faces WHERE photo_id = $p ORDER BY w * h DESC LIMIT 1",
            ("$p", named)
        );
        worker.Services.GetRequiredService<Decisions>().Split([face], "Zinedine");
        File.Delete(_library.Combine(photo));
        File.Delete(_library.Combine("bus.jpg"));
        await worker.ScanAsync();

        clock.Now += TimeSpan.FromDays(31);
        await worker.ScanAsync();

        Assert.Equal(2, worker.Query<long>("SELECT count(*) FROM photos")); // bus.jpg purged; the named one and obama_1 kept
        var safety = worker.Services.GetRequiredService<LibrarySafety>();
        Assert.Equal(1, safety.KeptForDecisions(30));
        Assert.Equal(1, safety.PurgeKept(30));
        Assert.Equal(1, worker.Query<long>("SELECT count(*) FROM photos"));
        Assert.Equal(0, worker.Query<long>("SELECT count(*) FROM faces WHERE photo_id = $p", ("$p", named)));
    }

    [Fact]
    public async Task A_second_worker_on_the_same_data_folder_is_refused_and_names_the_first()
    {
        using var app = await AppProcess.StartAsync(_library.Path, _data.Combine("shared"));

        var scan = Shell.App(["scan", "--once", "--library", _library.Path, "--data", _data.Combine("shared")]);
        var serve = Shell.App([
            "serve",
            "--library",
            _library.Path,
            "--data",
            _data.Combine("shared"),
            "--urls",
            $"http://127.0.0.1:{AppProcess.FreePort()}",
        ]);

        Assert.Equal(2, scan.ExitCode);
        Assert.Contains(
            "is in use by `tagworker serve` (process " + app.Process.Id,
            scan.Error,
            StringComparison.Ordinal
        );
        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("is in use by", serve.Error, StringComparison.Ordinal);
        var status = Shell.App(["status", "--data", _data.Combine("shared")]); // read-only: welcome
        Assert.Equal(0, status.ExitCode);
    }

    /// <summary>
    /// The decision property, with other programs at work: random owner decisions (name a face, reject one, "not this
    /// person") interleaved with what other tools do to the files (a metadata edit with exiftool, a move into another
    /// folder, a rename, a copy), each followed by a rescan, analysis and a full regrouping. After every tool step the
    /// owner's facts are exactly as they were, and no photo was added or lost.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Decisions_hold_whatever_other_programs_do_to_the_files(int seed)
    {
        var random = new Random(seed);
        foreach (
            var name in new[]
            {
                "obama_1.jpg",
                "obama_2.jpg",
                "biden_1.jpg",
                "biden_2.jpg",
                "group_obama_biden.jpg",
                "zidane.jpg",
            }
        )
        {
            Put(name);
        }
        await _worker.ScanAsync();
        await _worker.RunPipelineAsync();
        var grouping = _worker.Services.GetRequiredService<Grouping>();
        var decisions = _worker.Services.GetRequiredService<Decisions>();
        grouping.Regroup();
        var photos = Facts().Photos;
        var names = new[] { "Ann", "Ben O'Neil", "Cé Ló", "Dee <b>" };
        for (var step = 0; step < 12; step++)
        {
            var faces = _worker.Ids("SELECT id FROM faces WHERE rejected IS NULL ORDER BY id");
            var face = faces[random.Next(faces.Count)];
            var files = Directory
                .GetFiles(_library.Path, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".xmp", StringComparison.Ordinal))
                .Order()
                .ToList();
            var file = files[random.Next(files.Count)];
            switch (random.Next(6))
            {
                case 0:
                    decisions.Split([face], names[random.Next(names.Length)]);
                    continue;
                case 1:
                    decisions.Reject(face, "not_a_face");
                    continue;
                case 2
                    when _worker.Query<long>(
                        "SELECT count(*) FROM faces WHERE id = $f AND person_id IS NOT NULL",
                        ("$f", face)
                    ) == 1:
                    decisions.NotThisPerson(face);
                    continue;
                case 2:
                case 3:
                    var edit = Shell.Run(
                        "exiftool",
                        "-m",
                        "-q",
                        "-overwrite_original",
                        $"-XMP-dc:Subject+=Tool {step}",
                        $"-IPTC:Keywords+=Tool {step}",
                        $"-EXIF:ImageDescription=edited {step}",
                        file
                    );
                    Assert.True(edit.ExitCode == 0, edit.Error);
                    break;
                case 4:
                    var folder = _library.Combine($"moved-{step}");
                    Directory.CreateDirectory(folder);
                    File.Move(
                        file,
                        Path.Combine(
                            folder,
                            random.Next(2) == 0 ? Path.GetFileName(file) : $"renamed-{step}{Path.GetExtension(file)}"
                        )
                    );
                    break;
                default:
                    File.Copy(file, _library.Combine($"copy-{step}{Path.GetExtension(file)}"));
                    break;
            }
            var before = Facts();
            foreach (var changed in Directory.GetFiles(_library.Path, "*", SearchOption.AllDirectories))
            {
                File.SetLastWriteTimeUtc(changed, File.GetLastWriteTimeUtc(changed).AddSeconds(-30)); // settled
            }
            var scan = await _worker.ScanAsync();
            await _worker.RunPipelineAsync();
            grouping.Regroup();
            var after = Facts();
            Assert.True(before == after, $"step {step}: {scan}\nbefore {before}\nafter  {after}");
            Assert.Equal(photos, after.Photos);
        }
    }

    /// <summary>The owner's facts: confirmed faces and their person's name, rejected faces, the photos there
    /// are.</summary>
    private sealed record OwnerFacts(string Confirmed, string Rejected, string Photos);

    private OwnerFacts Facts() =>
        new(
            string.Join(
                ", ",
                _worker.Strings(
                    "SELECT f.id || '=' || coalesce(p.name, p.id) FROM faces f JOIN people p ON p.id = f.person_id WHERE f.assigned_by = 'user' ORDER BY f.id"
                )
            ),
            string.Join(", ", _worker.Strings("SELECT id FROM faces WHERE rejected IS NOT NULL ORDER BY id")),
            string.Join(", ", _worker.Strings("SELECT id FROM photos WHERE removed_at IS NULL ORDER BY id"))
        );

    private string Put(string name)
    {
        var source = Path.Combine(Repo.Photos, Path.GetFileNameWithoutExtension(name) + ".jpg");
        if (name.EndsWith(".jpg", StringComparison.Ordinal))
        {
            File.Copy(source, _library.Combine(name));
        }
        else
        {
            Assert.Equal(0, Shell.Run("vips", "copy", source, _library.Combine(name)).ExitCode);
        }
        File.SetLastWriteTimeUtc(_library.Combine(name), DateTime.UtcNow.AddMinutes(-10));
        return name;
    }

    private (long[] Faces, long Person) NameLargestFace(long photoId, string name)
    {
        var face = _worker.Query<long>(
            "SELECT id FROM faces WHERE photo_id = $p ORDER BY w * h DESC LIMIT 1",
            ("$p", photoId)
        );
        var person = _worker.Services.GetRequiredService<Decisions>().Split([face], name);
        return ([face], person);
    }

    private long CreateAlbum(long photoId)
    {
        using var connection = _worker.Open();
        var album = (long)
            TagWorker.Storage.SqliteExtensions.Scalar(
                connection,
                "INSERT INTO albums (name, created_at, updated_at) VALUES ('Trip', 'now', 'now') RETURNING id"
            )!;
        TagWorker.Storage.SqliteExtensions.Execute(
            connection,
            "INSERT INTO album_photos (album_id, photo_id, added_at) VALUES ($a, $p, 'now')",
            null,
            ("$a", album),
            ("$p", photoId)
        );
        return album;
    }
}
