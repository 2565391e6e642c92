using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Library;
using TagWorker.Review;
using TagWorker.Storage;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>The photo page's large view, rendered by real libvips from files a real SQLite database lists.</summary>
public sealed class PhotoViewsTests : IDisposable
{
    private readonly TempDir _library = new("views-lib");
    private readonly TempDir _data = new("views-data");
    private readonly Database _database;
    private readonly PhotoViews _views;

    public PhotoViewsTests()
    {
        _database = new Database(Options.Create(new StorageOptions { Dir = _data.Path }));
        _views = new PhotoViews(
            _database,
            new ImageDecoder(Options.Create(new ImagingOptions())),
            Options.Create(new LibraryOptions { Root = _library.Path }),
            Options.Create(new ImagingOptions { ViewSize = 800 })
        );
    }

    public void Dispose()
    {
        _views.Dispose();
        _library.Dispose();
        _data.Dispose();
    }

    private long Add(string path)
    {
        using var connection = _database.Open();
        var photo = (long)
            connection.Scalar(
                "INSERT INTO photos (size, state, created_at, updated_at) VALUES (1, 'analyzed', 'now', 'now') RETURNING id"
            )!;
        connection.Execute(
            "INSERT INTO files (path, photo_id, size, mtime, state, seen_at) VALUES ($p, $id, 1, 1, 'present', 'now')",
            null,
            ("$p", path),
            ("$id", photo)
        );
        return photo;
    }

    [Fact]
    public async Task A_view_is_the_photo_at_the_view_size_cached_by_etag_and_nothing_for_a_missing_or_unreadable_file()
    {
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), _library.Combine("bus.jpg")); // 810x1080
        var bus = Add("bus.jpg");
        var view = await _views.RenderAsync(bus, null, CancellationToken.None);
        Assert.NotNull(view);
        var jpeg = MetadataExtractor
            .ImageMetadataReader.ReadMetadata(new MemoryStream(view.Jpeg))
            .OfType<MetadataExtractor.Formats.Jpeg.JpegDirectory>()
            .Single();
        Assert.Equal((600, 800), (jpeg.GetImageWidth(), jpeg.GetImageHeight()));
        Assert.Empty((await _views.RenderAsync(bus, view.ETag, CancellationToken.None))!.Jpeg); // the browser's copy is current

        Assert.Null(await _views.RenderAsync(Add("gone.jpg"), null, CancellationToken.None));
        File.WriteAllText(_library.Combine("text.jpg"), "not a photo");
        Assert.Null(await _views.RenderAsync(Add("text.jpg"), null, CancellationToken.None));
        Assert.Null(await _views.RenderAsync(Add("../outside.jpg"), null, CancellationToken.None)); // never outside the library
        Assert.Null(await _views.RenderAsync(999999, null, CancellationToken.None));
    }
}
