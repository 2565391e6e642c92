using TagWorker.Tests.Support;

namespace TagWorker.Tests.Library;

public sealed class ReconcilerTests : IDisposable
{
    private readonly TempDir _library = new("lib");
    private readonly TempDir _data = new("data");
    private readonly Worker _worker;

    public ReconcilerTests() => _worker = new Worker(_library.Path, _data.Path);

    public void Dispose()
    {
        _worker.Dispose();
        _library.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task New_photos_are_hashed_and_wait_for_analysis()
    {
        _library.Write("a.jpg", "one");
        _library.Write("sub/b.PNG", "two");
        _library.Write("notes.txt", "not a photo");

        var result = await _worker.ScanAsync();

        Assert.Null(result.Error);
        Assert.Equal((2, 2, 0), (result.FilesSeen, result.New, result.Failed));
        Assert.Equal(2, _worker.Query<long>("SELECT count(*) FROM photos WHERE state = 'pending'"));
    }

    [Fact]
    public async Task A_file_with_unchanged_size_and_mtime_is_not_read_again()
    {
        var path = _library.Write("a.jpg", "aaaa");
        await _worker.ScanAsync();
        var mtime = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, "bbbb"); // same size; content differs, so reading it would show
        File.SetLastWriteTimeUtc(path, mtime);

        var result = await _worker.ScanAsync();

        Assert.Equal((1, 0), (result.Unchanged, result.Changed));
        Assert.Equal(1, _worker.Query<long>("SELECT count(*) FROM photos"));
    }

    [Fact]
    public async Task A_file_whose_image_changed_stays_the_same_photo_in_a_new_version_waiting_for_analysis()
    {
        var path = _library.Write("a.jpg", "before");
        await _worker.ScanAsync();
        var before = _worker.PhotoOf("a.jpg");
        _library.Write("a.jpg", "after, longer", DateTime.UtcNow.AddMinutes(-5));

        var result = await _worker.ScanAsync();

        Assert.Equal(1, result.Changed);
        Assert.Equal(before, _worker.PhotoOf("a.jpg"));
        Assert.Equal(2, _worker.Query<long>("SELECT version FROM photos WHERE id = $id", ("$id", before)));
        Assert.Equal(
            "pending",
            _worker.Query<string>("SELECT state FROM photos WHERE id = $id", ("$id", _worker.PhotoOf("a.jpg")))
        );
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task A_moved_or_renamed_photo_keeps_its_identity_and_is_not_analysed_again()
    {
        _library.Write("2019/trip/a.jpg", "sea");
        await _worker.ScanAsync();
        var photo = _worker.PhotoOf("2019/trip/a.jpg");
        _worker.Query<long>("UPDATE photos SET state = 'analyzed' WHERE id = $id RETURNING id", ("$id", photo));
        Directory.CreateDirectory(_library.Combine("2020"));
        File.Move(_library.Combine("2019/trip/a.jpg"), _library.Combine("2020/renamed.jpg"));

        var result = await _worker.ScanAsync();

        Assert.Equal((1, 0, 0), (result.Moved, result.New, result.Removed));
        Assert.Equal(photo, _worker.PhotoOf("2020/renamed.jpg"));
        Assert.Equal("removed", _worker.FileState("2019/trip/a.jpg"));
        Assert.Equal("analyzed", _worker.Query<string>("SELECT state FROM photos WHERE id = $id", ("$id", photo)));
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM photos WHERE removed_at IS NOT NULL"));
    }

    [Fact]
    public async Task A_renamed_folder_moves_every_photo_in_it()
    {
        for (var i = 0; i < 5; i++)
        {
            _library.Write($"old/p{i}.jpg", $"photo {i}");
        }
        await _worker.ScanAsync();
        Directory.Move(_library.Combine("old"), _library.Combine("new name"));

        var result = await _worker.ScanAsync();

        Assert.Equal((5, 0, 0), (result.Moved, result.New, result.Removed));
    }

    [Fact]
    public async Task Two_copies_are_one_photo_with_two_files()
    {
        _library.Write("a.jpg", "same");
        _library.Write("copy/a.jpg", "same");

        var result = await _worker.ScanAsync();

        Assert.Equal(2, result.New);
        Assert.Equal(_worker.PhotoOf("a.jpg"), _worker.PhotoOf("copy/a.jpg"));
        Assert.Equal(1, _worker.Query<long>("SELECT count(*) FROM photos"));

        File.Delete(_library.Combine("a.jpg"));
        var second = await _worker.ScanAsync();
        Assert.Equal((1, 0), (second.Removed, second.Moved));
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM photos WHERE removed_at IS NOT NULL"));
    }

    [Fact]
    public async Task A_deleted_photo_keeps_its_data_through_the_grace_period_and_comes_back_whole()
    {
        _library.Write("a.jpg", "kept");
        _library.Write("other.jpg", "keeps the library from looking unmounted");
        await _worker.ScanAsync();
        var photo = _worker.PhotoOf("a.jpg");
        File.Move(_library.Combine("a.jpg"), _data.Combine("aside.jpg"));

        var removed = await _worker.ScanAsync();
        Assert.Equal(1, removed.Removed);
        Assert.Equal(
            1,
            _worker.Query<long>("SELECT count(*) FROM photos WHERE removed_at IS NOT NULL AND id = $id", ("$id", photo))
        );

        File.Move(_data.Combine("aside.jpg"), _library.Combine("back.jpg"));
        var back = await _worker.ScanAsync();
        Assert.Equal(1, back.Moved);
        Assert.Equal(photo, _worker.PhotoOf("back.jpg"));
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM photos WHERE removed_at IS NOT NULL"));
    }

    [Fact]
    public async Task A_removed_photo_is_purged_after_the_grace_period_with_a_manual_clock()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var worker = new Worker(
            _library.Path,
            _data.Combine("graced"),
            new Dictionary<string, string?> { ["TagWorker:Library:RemovedGraceDays"] = "30" },
            clock
        );
        _library.Write("a.jpg", "gone soon");
        _library.Write("b.jpg", "stays");
        await worker.ScanAsync();
        File.Delete(_library.Combine("a.jpg"));
        await worker.ScanAsync();

        clock.Now += TimeSpan.FromDays(29);
        await worker.ScanAsync();
        Assert.Equal(2, worker.Query<long>("SELECT count(*) FROM photos"));

        clock.Now += TimeSpan.FromDays(2);
        await worker.ScanAsync();
        Assert.Equal(1, worker.Query<long>("SELECT count(*) FROM photos"));
        Assert.Equal(0, worker.Query<long>("SELECT count(*) FROM files WHERE path = 'a.jpg'"));
    }

    [Fact]
    public async Task Hidden_files_NAS_folders_other_extensions_and_the_data_folder_are_skipped()
    {
        _library.Write("keep.jpeg", "1");
        _library.Write(".hidden.jpg", "2");
        _library.Write(".thumbs/x.jpg", "3");
        _library.Write("@eaDir/keep.jpeg/SYNOFILE_THUMB_M.jpg", "4");
        _library.Write("#recycle/old.jpg", "5");
        _library.Write(".stversions/v.jpg", "6");
        _library.Write("SYNOFILE_THUMB_XL.jpg", "7");
        _library.Write("keep.jpg.xmp", "sidecar");
        _library.Write("tagworker-data/thumb.jpg", "8");
        using var worker = new Worker(_library.Path, _library.Combine("tagworker-data"));

        var result = await worker.ScanAsync();

        Assert.Equal((1, 1), (result.FilesSeen, result.New));
    }

    [Fact]
    public async Task Paths_with_unicode_spaces_and_newlines_are_kept_exactly()
    {
        var names = new[] { "Fotos 2024/Zoë & Zoltán 🎉.jpg", "a\nb.jpg", "  leading space.heic", "日本/写真.webp" };
        foreach (var name in names)
        {
            _library.Write(name, name);
        }

        var result = await _worker.ScanAsync();
        var again = await _worker.ScanAsync();

        Assert.Equal(4, result.New);
        Assert.Equal(4, again.Unchanged);
        foreach (var name in names)
        {
            Assert.Equal("present", _worker.FileState(name));
        }
    }

    [Fact]
    public async Task An_empty_file_is_recorded_as_failed_and_picked_up_once_it_has_content()
    {
        _library.Write("empty.jpg", "");
        _library.Write("ok.jpg", "fine");

        var result = await _worker.ScanAsync();
        Assert.Equal((1, 1), (result.Failed, result.New));
        Assert.Equal("failed", _worker.FileState("empty.jpg"));
        Assert.Contains(
            "empty",
            _worker.Query<string>("SELECT error FROM files WHERE path = 'empty.jpg'"),
            StringComparison.Ordinal
        );

        _library.Write("empty.jpg", "now a photo", DateTime.UtcNow.AddMinutes(-1));
        var later = await _worker.ScanAsync();
        Assert.Equal((1, 0), (later.New, later.Failed));
    }

    [Fact]
    public async Task A_symlink_loop_does_not_stop_the_pass()
    {
        _library.Write("a/photo.jpg", "x");
        File.CreateSymbolicLink(_library.Combine("a", "loop"), _library.Path);
        File.CreateSymbolicLink(_library.Combine("self"), _library.Combine("self"));

        var result = await _worker.ScanAsync();

        Assert.Null(result.Error);
        Assert.Equal(1, result.New);
    }

    [Fact]
    public async Task A_file_symlink_is_read_as_the_photo_it_points_to_inside_the_library_and_never_outside_it()
    {
        var target = _library.Write("originals/real.jpg", "the real photo, longer than a link");
        File.CreateSymbolicLink(_library.Combine("linked.jpg"), target);
        using var elsewhere = new TempDir("target");
        File.CreateSymbolicLink(_library.Combine("passwd.jpg"), "/etc/passwd");
        File.CreateSymbolicLink(_library.Combine("theirs.jpg"), elsewhere.Write("private.jpg", "someone else's photo"));

        var result = await _worker.ScanAsync();
        var again = await _worker.ScanAsync();

        Assert.Equal((2, 0), (result.FilesSeen, result.Deferred)); // the photo and its link (one photo, two files)
        Assert.Equal(2, again.Unchanged);
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM files WHERE path IN ('passwd.jpg', 'theirs.jpg')"));
    }

    [Fact]
    public async Task A_missing_library_root_is_an_error_and_nothing_is_marked_removed()
    {
        _library.Write("a.jpg", "x");
        await _worker.ScanAsync();
        Directory.Move(_library.Path, _library.Path + "-unmounted");
        try
        {
            var result = await _worker.ScanAsync();
            Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
            Assert.Equal("present", _worker.FileState("a.jpg"));
        }
        finally
        {
            Directory.Move(_library.Path + "-unmounted", _library.Path);
        }
    }

    [Fact]
    public async Task An_empty_root_with_known_photos_looks_unmounted_and_nothing_is_marked_removed()
    {
        _library.Write("a.jpg", "x");
        await _worker.ScanAsync();
        File.Delete(_library.Combine("a.jpg"));

        var result = await _worker.ScanAsync();

        Assert.Contains("not mounted", result.Error, StringComparison.Ordinal);
        Assert.Equal("present", _worker.FileState("a.jpg"));
    }

    [Fact]
    public async Task A_root_unmounted_mid_pass_marks_nothing_removed()
    {
        _library.Write("a.jpg", "x");
        _library.Write("b.jpg", "y");
        await _worker.ScanAsync();
        _library.Write("c.jpg", "new");
        _worker.Reconciler.AfterHashing = () => Directory.Move(_library.Path, _library.Path + "-gone");
        try
        {
            var result = await _worker.ScanAsync();
            Assert.Contains("vanished during the pass", result.Error, StringComparison.Ordinal);
            Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM files WHERE state = 'removed'"));
        }
        finally
        {
            Directory.Move(_library.Path + "-gone", _library.Path);
        }
    }

    [Fact]
    public async Task A_file_that_vanishes_between_listing_and_hashing_is_left_for_later()
    {
        _library.Write("stays.jpg", "1");
        _library.Write("goes.jpg", "2");
        _worker.Reconciler.BeforeHashing = () => File.Delete(_library.Combine("goes.jpg"));

        var result = await _worker.ScanAsync();
        _worker.Reconciler.BeforeHashing = null;
        var next = await _worker.ScanAsync();

        Assert.Equal((1, 1, 0), (result.New, result.Deferred, result.Failed));
        Assert.Equal((1, 0, 0), (next.Unchanged, next.New, next.Removed));
    }

    [Fact]
    public async Task A_file_still_being_written_is_not_hashed_half_written()
    {
        var path = _library.Write("copying.jpg", new string('x', 1 << 20));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            var chunk = new byte[64 * 1024];
            while (!stop.IsCancellationRequested)
            {
                await stream.WriteAsync(chunk);
                await stream.FlushAsync();
            }
        });
        _worker.Reconciler.BeforeHashing = () => Thread.Sleep(200); // the copy goes on between the two looks

        var result = await _worker.ScanAsync();
        await stop.CancelAsync();
        await writer;

        Assert.Equal((1, 0), (result.Deferred, result.New));
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM photos"));
    }

    [Fact]
    public async Task A_file_written_moments_ago_waits_for_the_settle_time()
    {
        using var worker = new Worker(
            _library.Path,
            _data.Combine("settle"),
            new Dictionary<string, string?> { ["TagWorker:Library:SettleSeconds"] = "30" }
        );
        _library.Write("fresh.jpg", "x", DateTime.UtcNow);

        var result = await worker.ScanAsync();

        Assert.Equal((1, 0), (result.Deferred, result.New));
        Assert.Equal(["fresh.jpg"], result.DeferredPaths);
    }

    [Fact]
    public async Task A_scoped_pass_looks_only_at_the_named_paths()
    {
        _library.Write("a/one.jpg", "1");
        _library.Write("b/two.jpg", "2");
        await _worker.ScanAsync();
        File.Delete(_library.Combine("b/two.jpg"));
        Directory.Move(_library.Combine("a"), _library.Combine("c"));

        var scoped = await _worker.ScanAsync(["a", "c"]);

        Assert.Equal((1, 0), (scoped.Moved, scoped.Removed));
        Assert.Equal("present", _worker.FileState("b/two.jpg")); // outside the scope: untouched until a full pass
        var full = await _worker.ScanAsync();
        Assert.Equal(1, full.Removed);
    }

    [Fact]
    public async Task A_copy_seen_by_a_scoped_pass_is_a_new_file_not_a_move()
    {
        _library.Write("a/one.jpg", "1");
        await _worker.ScanAsync();
        File.Copy(_library.Combine("a/one.jpg"), _library.Combine("b.jpg"));
        File.SetLastWriteTimeUtc(_library.Combine("b.jpg"), DateTime.UtcNow.AddMinutes(-1));

        var scoped = await _worker.ScanAsync(["b.jpg"]); // the watcher saw only the new file; the original is outside the scope

        Assert.Equal((1, 0), (scoped.New, scoped.Moved));
        Assert.Equal("present", _worker.FileState("a/one.jpg"));
        Assert.Equal(_worker.PhotoOf("a/one.jpg"), _worker.PhotoOf("b.jpg"));
    }

    [Fact]
    public async Task A_file_name_that_is_not_UTF8_is_failed_with_what_to_do()
    {
        _library.Write("ok.jpg", "fine");
        // A name in Latin-1 ("café" with byte E9), as old cameras and Windows shares leave them; .NET cannot open it.
        Shell.Run(
            "sh",
            "-c",
            $"printf 'photo' > \"{_library.Path}/caf$(printf '\\351').jpg\" && touch -d '1 hour ago' \"{_library.Path}\"/caf*.jpg"
        );

        var result = await _worker.ScanAsync();

        Assert.Equal((1, 1), (result.New, result.Failed));
        var error = _worker.Query<string>("SELECT error FROM files WHERE path LIKE 'caf%'");
        Assert.Contains("not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Contains("rename", error, StringComparison.Ordinal);
    }
}
