using Microsoft.Extensions.DependencyInjection;
using TagWorker.Hosting;
using TagWorker.Storage;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Storage;

/// <summary>The chores of a long-running worker, on a real data folder and database: each removes only what it
/// should.</summary>
public sealed class HousekeepingTests : IDisposable
{
    private readonly TempDir _library = new("hk-lib");
    private readonly TempDir _data = new("hk-data");

    public void Dispose()
    {
        _library.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Leftovers_orphan_thumbnails_and_old_copies_go_and_everything_in_use_stays()
    {
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), _library.Combine("bus.jpg"));
        File.SetLastWriteTimeUtc(_library.Combine("bus.jpg"), DateTime.UtcNow.AddHours(-1));
        using var worker = new Worker(_library.Path, _data.Path, withPipeline: true, withWriteBack: true);
        await worker.ScanAsync();
        await worker.RunPipelineAsync();
        var photo = worker.PhotoOf("bus.jpg");
        var kept = Directory.GetFiles(_data.Path, "*.jpg", SearchOption.AllDirectories); // the photo's preview and face thumbnails
        Assert.NotEmpty(kept);

        var old = DateTime.UtcNow.AddDays(-40);
        var tmpOld = _data.Write("tmp/0123.xmp", "<x/>", old);
        var tmpNew = _data.Write("tmp/4567.xmp", "<x/>");
        var link = _data.Combine("tmp", "dir-old");
        Directory.CreateSymbolicLink(link, _library.Path);
        Shell.Run("touch", "-h", "-d", "40 days ago", link); // the link's own time (a write in progress is seconds old)
        // Files of a photo id below the newest that the database no longer has (a purge cut short after its commit).
        Assert.Equal(1, photo);
        var orphan = _data.Write("faces/00/0-0.jpg", "jpeg", old);
        var orphanPreview = _data.Write("previews/00/0.jpg", "jpeg", old);
        var newer = _data.Write($"faces/00/{photo + 5000}-0.jpg", "jpeg");
        var copyOld = _data.Write("backups/malformed/abc-photo.jpg.xmp", "<x", old);
        var copyNew = _data.Write("backups/malformed/def-photo.jpg.xmp", "<x");
        Directory.CreateDirectory(_data.Combine("backups", "20000101"));

        var outcomes = worker.Services.GetRequiredService<Housekeeping>().RunOnce(CancellationToken.None);

        Assert.Equal(
            ["backups", "database", "temporary files", "thumbnails"],
            outcomes.Keys.Order(StringComparer.Ordinal)
        );
        Assert.DoesNotContain(outcomes.Values, v => v?.StartsWith("failed", StringComparison.Ordinal) == true);
        Assert.False(File.Exists(tmpOld));
        Assert.True(File.Exists(tmpNew));
        Assert.False(Path.Exists(link));
        Assert.True(Directory.Exists(_library.Path) && File.Exists(_library.Combine("bus.jpg"))); // the link went, not what it pointed to
        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(orphanPreview));
        Assert.True(File.Exists(newer), "a file newer than the ids read could be a photo added meanwhile");
        Assert.All(kept, f => Assert.True(File.Exists(f), f));
        Assert.False(File.Exists(copyOld));
        Assert.True(File.Exists(copyNew));
        Assert.False(Directory.Exists(_data.Combine("backups", "20000101")));
        Assert.Equal("analyzed", worker.Query<string>("SELECT state FROM photos WHERE id = $p", ("$p", photo)));
    }

    [Fact]
    public void A_failing_chore_is_reported_and_the_others_still_run()
    {
        using var worker = new Worker(_library.Path, _data.Path);
        Directory.CreateDirectory(_data.Combine("tmp"));
        var tmpOld = _data.Write("tmp/0123.xmp", "<x/>", DateTime.UtcNow.AddDays(-2));
        var housekeeping = new Housekeeping(
            [new Failing(), .. worker.Services.GetServices<IHousekeepingTask>()],
            worker.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>(),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Housekeeping>.Instance
        );

        var outcomes = housekeeping.RunOnce(CancellationToken.None);

        Assert.Equal("failed: the disk is on fire", outcomes["failing"]);
        Assert.False(File.Exists(tmpOld));
    }

    private sealed class Failing : IHousekeepingTask
    {
        public string Name => "failing";

        public string? Run(CancellationToken cancellationToken) => throw new IOException("the disk is on fire");
    }
}
