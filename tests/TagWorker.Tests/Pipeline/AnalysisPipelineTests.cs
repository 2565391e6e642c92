using TagWorker.Tests.Support;

namespace TagWorker.Tests.Pipeline;

/// <summary>The whole pipeline on a real library: real files, SQLite, libvips, ONNX Runtime and models.</summary>
public sealed class AnalysisPipelineTests : IDisposable
{
    private static readonly string[] Photos =
    [
        "bus.jpg",
        "zidane.jpg",
        "obama_1.jpg",
        "exif_orientation_6.jpg",
        "alex_lacamoire_2.png",
    ];
    private readonly TempDir _library = new("lib");
    private readonly TempDir _data = new("data");
    private readonly Worker _worker;

    public AnalysisPipelineTests()
    {
        foreach (var photo in Photos)
        {
            File.Copy(Path.Combine(Repo.Photos, photo), _library.Combine(photo));
        }
        _worker = new Worker(_library.Path, _data.Path, withPipeline: true);
    }

    public void Dispose()
    {
        _worker.Dispose();
        _library.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Every_pending_photo_is_analysed_with_objects_faces_embeddings_and_thumbnails()
    {
        await _worker.ScanAsync();

        await _worker.RunPipelineAsync();

        Assert.Equal(Photos.Length, _worker.Query<long>("SELECT count(*) FROM photos WHERE state = 'analyzed'"));
        Assert.Equal(
            2,
            _worker.Query<long>(
                "SELECT count(*) FROM faces f JOIN files x ON x.photo_id = f.photo_id WHERE x.path = 'bus.jpg'"
            )
        );
        Assert.Equal(
            1,
            _worker.Query<long>(
                "SELECT count(*) FROM objects o JOIN files x ON x.photo_id = o.photo_id WHERE x.path = 'bus.jpg' AND o.label = 'bus'"
            )
        );
        Assert.Equal(
            0,
            _worker.Query<long>(
                "SELECT count(*) FROM faces WHERE embedding IS NULL OR length(embedding) != 512 * 4 OR embedder != 'w600k_mbf'"
            )
        );
        Assert.Equal(
            "600x450:6",
            _worker.Query<string>(
                "SELECT width || 'x' || height || ':' || orientation FROM photos p JOIN files x ON x.photo_id = p.id WHERE x.path = 'exif_orientation_6.jpg'"
            )
        );
        using var connection = _worker.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT thumbnail FROM faces UNION ALL SELECT preview FROM photos";
        using var reader = command.ExecuteReader();
        var files = 0;
        while (reader.Read())
        {
            var jpeg = File.ReadAllBytes(Path.Combine(_data.Path, reader.GetString(0)));
            Assert.Equal([0xFF, 0xD8], jpeg[..2]);
            files++;
        }
        Assert.True(files >= Photos.Length + 5);
    }

    [Fact]
    public async Task Similar_faces_for_a_photo_from_outside_the_library_find_the_same_person()
    {
        await _worker.ScanAsync();
        await _worker.RunPipelineAsync();
        var obama = _worker.PhotoOf("obama_1.jpg");

        var result = Shell.App(
            [
                "similar",
                "--photo",
                Path.Combine(Repo.Photos, "obama_2.jpg"),
                "--data",
                _data.Path,
                "--limit",
                "3",
                "--json",
            ],
            new Dictionary<string, string?> { ["TAGWORKER_HOME"] = Repo.Root }
        );

        Assert.True(result.ExitCode == 0, result.Error);
        var best = System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("faces")[0];
        Assert.Equal(obama, best.GetProperty("photo_id").GetInt64());
        Assert.True(best.GetProperty("similarity").GetDouble() > 0.5);
    }

    [Fact]
    public async Task Broken_files_are_failed_with_their_reason_and_the_rest_are_analysed()
    {
        File.WriteAllText(_library.Combine("notes.jpg"), "a text file named like a photo");
        File.WriteAllBytes(
            _library.Combine("truncated.jpg"),
            File.ReadAllBytes(Path.Combine(Repo.Photos, "bus.jpg"))[..30_000]
        );
        await _worker.ScanAsync();

        await _worker.RunPipelineAsync();

        Assert.Equal(Photos.Length, _worker.Query<long>("SELECT count(*) FROM photos WHERE state = 'analyzed'"));
        Assert.Contains("not a photo", Error("notes.jpg"), StringComparison.Ordinal);
        Assert.Contains("Premature end", Error("truncated.jpg"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupted_work_resumes_and_re_analysis_replaces_results_whole()
    {
        await _worker.ScanAsync();
        using (var stop = new CancellationTokenSource())
        {
            var run = _worker.RunPipelineAsync(stop.Token);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (_worker.Query<long>("SELECT count(*) FROM photos WHERE state = 'analyzed'") == 0)
            {
                Assert.False(run.IsCompleted && run.Exception is not null, $"the pipeline failed: {run.Exception}");
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(3), "no photo was analysed in 3 minutes"); // a hung pipeline, not a timing check
                await Task.Delay(20);
            }
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }

        await _worker.RunPipelineAsync();
        var faces = _worker.Query<long>("SELECT count(*) FROM faces");
        Assert.Equal(Photos.Length, _worker.Query<long>("SELECT count(*) FROM photos WHERE state = 'analyzed'"));

        _worker.Query<long>("UPDATE photos SET state = 'pending' RETURNING 1");
        await _worker.RunPipelineAsync();

        Assert.Equal(faces, _worker.Query<long>("SELECT count(*) FROM faces"));
        Assert.Equal(0, _worker.Query<long>("SELECT count(*) FROM photos WHERE state != 'analyzed'"));
    }

    [Fact]
    public async Task A_photo_purged_after_its_grace_period_takes_its_thumbnails_with_it()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var worker = new Worker(
            _library.Path,
            _data.Combine("graced"),
            new Dictionary<string, string?> { ["TagWorker:Library:RemovedGraceDays"] = "1" },
            clock,
            withPipeline: true
        );
        await worker.ScanAsync();
        await worker.RunPipelineAsync();
        var busThumbnails = Thumbnails(worker, "bus.jpg");
        var zidaneThumbnails = Thumbnails(worker, "zidane.jpg");
        Assert.Equal(3, busThumbnails.Count); // preview and two faces
        Assert.All(busThumbnails.Concat(zidaneThumbnails), f => Assert.True(File.Exists(f), f));

        File.Delete(_library.Combine("bus.jpg"));
        await worker.ScanAsync(); // removed: data kept
        Assert.All(busThumbnails, f => Assert.True(File.Exists(f), f));
        clock.Now += TimeSpan.FromDays(2);
        await worker.ScanAsync(); // past the one-day grace period: purged

        Assert.All(busThumbnails, f => Assert.False(File.Exists(f), f));
        Assert.All(zidaneThumbnails, f => Assert.True(File.Exists(f), f));
        Assert.Equal(Photos.Length - 1, worker.Query<long>("SELECT count(*) FROM photos"));
    }

    private static List<string> Thumbnails(Worker worker, string path)
    {
        using var connection = worker.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT p.preview FROM photos p JOIN files f ON f.photo_id = p.id WHERE f.path = $p
            UNION ALL SELECT x.thumbnail FROM faces x JOIN files f ON f.photo_id = x.photo_id WHERE f.path = $p
            """;
        command.Parameters.AddWithValue("$p", path);
        using var reader = command.ExecuteReader();
        var files = new List<string>();
        while (reader.Read())
        {
            files.Add(Path.Combine(worker.DataDir, reader.GetString(0)));
        }
        return files;
    }

    private string Error(string path) =>
        _worker.Query<string>(
            "SELECT p.state || ': ' || p.error FROM photos p JOIN files f ON f.photo_id = p.id WHERE f.path = $p",
            ("$p", path)
        );
}
