using Microsoft.Extensions.DependencyInjection;
using TagWorker.Faces;
using TagWorker.Library;
using TagWorker.Pipeline;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>
/// One analysed library for the API tests: photos from ../shared/testdata (some in a folder), scanned, analysed
/// by the real pipeline and grouped, served by the real app in a test server.
/// </summary>
public sealed class ReviewFixture : IAsyncLifetime
{
    private readonly TempDir _library = new("review-lib");
    private readonly TempDir _data = new("review-data");

    public ReviewApp App { get; private set; } = null!;
    public string Library => _library.Path;

    public async Task InitializeAsync()
    {
        foreach (
            var (photo, folder) in new[]
            {
                ("obama_1.jpg", ""),
                ("obama_2.jpg", "2024/trip"),
                ("biden_1.jpg", ""),
                ("biden_2.jpg", "2024/trip"),
                ("group_obama_biden.jpg", "2024/trip"),
                ("bus.jpg", ""),
                ("kit_harington_1.jpg", ""),
                ("kit_harington_2.jpg", ""),
                ("camera_canon_40d_small.jpg", ""),
            }
        )
        {
            var target = _library.Combine(folder, photo);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(Repo.Photos, photo), target);
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddHours(-1));
        }
        App = new ReviewApp(_library.Path, _data.Path);
        using var client = App.Api(); // starts the host; its library service scans at start
        var services = App.Services;
        var state = services.GetRequiredService<ScanState>();
        for (var i = 0; i < 600 && state.LastScanAt is null; i++)
        {
            await Task.Delay(100);
        }
        if (state.LastScanAt is null)
        {
            throw new TimeoutException("the shared library's first pass did not finish in 60 s"); // not silently on with an empty library
        }
        await services.GetRequiredService<AnalysisPipeline>().RunAsync(TimeSpan.Zero, CancellationToken.None);
        services.GetRequiredService<Grouping>().Regroup();
    }

    public Task DisposeAsync()
    {
        App.Dispose();
        _library.Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }
}
