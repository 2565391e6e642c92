using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Hosting;

/// <summary>
/// Hostile and clumsy files, made by the test, through the real <c>serve</c> with its default settings: bombs in every
/// format libvips reads (a few KB that claim gigapixels, interlaced PNG, progressive JPEG), sparse 2 GiB files, a FIFO,
/// names that break tools (a leading dash, printf formats, a line break, not UTF-8), beside real photos. Every file
/// ends analysed or failed with its reason, the real photos are analysed, and the process's memory stays bounded. The
/// peak memory of the corpus and of each bad file alone (<c>analyze</c>, a fresh process) are printed as figures.
/// </summary>
[Collection(nameof(Isolated))]
public sealed class BadInputCorpusTests
{
    private static readonly string[] Real = ["bus.jpg", "obama_1.jpg", "alex_lacamoire_2.png"];

    [Fact]
    [Trait("Speed", "Slow")]
    public async Task A_corpus_of_hostile_files_under_serve_is_recorded_with_reasons_in_bounded_memory()
    {
        using var library = new TempDir("corpus-lib");
        using var data = new TempDir("corpus-data");
        var expected = Build(library.Path);
        var files = Directory.GetFileSystemEntries(library.Path).Length;
        Assert.Equal(20, files);

        var serveStart = Stopwatch.StartNew();
        using var app = await AppProcess.StartAsync(library.Path, data.Path);
        try
        {
            await app.WaitUntilAsync(() => SettledAsync(app, files), TimeSpan.FromMinutes(5));
        }
        catch (TimeoutException)
        {
            var states = File.Exists(Path.Combine(data.Path, "tagworker.db")) ? Outcomes(data.Path) : [];
            Assert.Fail(
                $"not settled: {files} files, {states.Count} known:\n"
                    + string.Join("\n", states.Select(o => $"{Escape(o.Path)}: {o.State} {o.Reason}"))
            );
        }
        var servePeak = PeakMb(app.Process.Id);
        var seconds = serveStart.Elapsed.TotalSeconds;

        var outcomes = Outcomes(data.Path);
        Assert.Equal(files, outcomes.Count);
        Assert.All(outcomes, o =>
            Assert.True(
                o.State == "analyzed" || (o.State == "failed" && o.Reason.Length > 10),
                $"{o.Path}: {o.State} '{o.Reason}'"
            )
        );
        foreach (var real in Real)
        {
            Assert.Contains(outcomes, o => o.Path.EndsWith(real, StringComparison.Ordinal) && o.State == "analyzed");
        }
        foreach (var (name, reason) in expected)
        {
            var outcome = Assert.Single(outcomes, o =>
                o.Path == name
                || (
                    name.Contains('\uFFFD', StringComparison.Ordinal)
                    && o.Path.StartsWith(name[..4], StringComparison.Ordinal)
                )
            );
            Assert.True(
                outcome.State == "failed" && outcome.Reason.Contains(reason, StringComparison.Ordinal),
                $"{name}: {outcome.State} '{outcome.Reason}', expected '{reason}'"
            );
        }
        Assert.True(servePeak < 1024, $"serve peaked at {servePeak:F0} MB on the corpus");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.Http.GetAsync("/healthz")).StatusCode); // still healthy after all of it

        Console.WriteLine($"corpus: {files} files through serve in {seconds:F0} s, peak RSS {servePeak:F0} MB");
        foreach (var outcome in outcomes.OrderBy(o => o.Path, StringComparer.Ordinal))
        {
            var alone = outcome.Analysable
                ? $"{AnalyzeAlonePeakMb(Path.Combine(library.Path, outcome.Path)), 5:F0} MB alone"
                : "   (not opened alone)";
            Console.WriteLine($"  {Escape(outcome.Path), -34} {alone}  {outcome.State}: {outcome.Reason}");
        }
    }

    /// <summary>Writes the corpus; returns the files that must fail and a part of the reason each must give.</summary>
    private static Dictionary<string, string> Build(string dir)
    {
        void Write(string name, byte[] bytes)
        {
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
            File.SetLastWriteTimeUtc(Path.Combine(dir, name), DateTime.UtcNow.AddMinutes(-10));
        }
        Write("png-bomb.png", BadFiles.PngBomb(30000, 30000));
        Write("png-interlaced-rgba.png", BadFiles.PngBomb(14000, 14000, colourType: 6, interlace: 1));
        Write("jpeg-progressive-bomb.jpg", BadFiles.JpegBomb(14000, 14000, progressive: true));
        Write("jpeg-baseline-bomb.jpg", BadFiles.JpegBomb(14000, 14000, progressive: false));
        Write("jpeg-huge-claim.jpg", BadFiles.JpegBomb(65000, 65000, progressive: false));
        Write("webp-bomb.webp", BadFiles.WebpBomb(16383, 16383));
        Write("tiff-bomb.tif", BadFiles.TiffBomb(14000, 14000));
        Write("heic-bomb.heic", BadFiles.HeifBomb(14000, 14000, avif: false));
        Write("avif-bomb.avif", BadFiles.HeifBomb(14000, 14000, avif: true));
        Write("corrupt.png", BadFiles.CorruptPng());
        Write("truncated.jpg", File.ReadAllBytes(Path.Combine(Repo.Photos, "bus.jpg"))[..40_000]);
        Write("text.jpg", "this is a text file named text.jpg\n"u8.ToArray());
        Write("empty.jpg", []);
        BadFiles.Sparse(Path.Combine(dir, "sparse-jpeg-2GiB.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10], 2L << 30);
        BadFiles.Sparse(Path.Combine(dir, "sparse-zeros-2GiB.jpg"), [], (2L << 30) + 1);
        Shell.Run("mkfifo", Path.Combine(dir, "fifo.jpg"));
        Shell.Run(
            "sh",
            "-c",
            $"cp '{Path.Combine(Repo.Photos, "zidane.jpg")}' \"{dir}/-n $(printf 'caf\\351') %d %f %e.jpg\""
        );
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), Path.Combine(dir, "line\n[12:00:00 ERR] forged bus.jpg"));
        File.Copy(Path.Combine(Repo.Photos, "obama_1.jpg"), Path.Combine(dir, "-o %d obama_1.jpg"));
        File.Copy(
            Path.Combine(Repo.Photos, "alex_lacamoire_2.png"),
            Path.Combine(dir, new string('x', 200) + " alex_lacamoire_2.png")
        );
        Shell.Run("sh", "-c", $"touch -d '10 minutes ago' \"{dir}\"/* \"{dir}\"/-*");
        return new Dictionary<string, string>
        {
            ["png-bomb.png"] = "megapixels, over the limit",
            ["png-interlaced-rgba.png"] = "interlaced PNG needs about",
            ["jpeg-progressive-bomb.jpg"] = "progressive JPEG needs about",
            ["jpeg-huge-claim.jpg"] = "megapixels, over the limit",
            ["webp-bomb.webp"] = "webp: unable to parse image", // libwebp checks the frame against the data before any size is trusted
            ["text.jpg"] = "does not start like",
            ["empty.jpg"] = "empty file",
            ["sparse-zeros-2GiB.jpg"] = "starts with zeros",
            ["-n caf\uFFFD %d %f %e.jpg"] = "not valid UTF-8",
        };
    }

    private sealed record Outcome(string Path, string State, string Reason, bool Analysable);

    private static SqliteConnection Open(string data)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(data, "tagworker.db")};Mode=ReadOnly");
        connection.Open();
        return connection;
    }

    /// <summary>Every file is present or failed, and no photo waits for analysis (asked of the API while serve
    /// writes).</summary>
    private static async Task<bool> SettledAsync(AppProcess app, int files)
    {
        var counts = System
            .Text.Json.JsonDocument.Parse(await app.Http.GetStringAsync("/api/status"))
            .RootElement.GetProperty("counts");
        var listed =
            counts.GetProperty("files").GetProperty("present").GetInt64()
            + counts.GetProperty("files").GetProperty("failed").GetInt64();
        return listed == files && counts.GetProperty("photos").GetProperty("pending").GetInt64() == 0;
    }

    /// <summary>Each file's end: a file failure, or its photo's state and error.</summary>
    private static List<Outcome> Outcomes(string data)
    {
        using var connection = Open(data);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT f.path, CASE WHEN f.state = 'failed' THEN 'failed' ELSE p.state END, coalesce(f.error, p.error, ''), f.state = 'present'
            FROM files f LEFT JOIN photos p ON p.id = f.photo_id
            """;
        using var reader = command.ExecuteReader();
        var outcomes = new List<Outcome>();
        while (reader.Read())
        {
            outcomes.Add(
                new Outcome(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3))
            );
        }
        return outcomes;
    }

    /// <summary>The peak resident memory of one <c>analyze</c> of the file in a fresh process (VmHWM, read until it
    /// exits).</summary>
    private static double AnalyzeAlonePeakMb(string file)
    {
        using var process = Shell.Start(
            "dotnet",
            [Repo.AppDll, "analyze", file],
            new Dictionary<string, string?> { ["TAGWORKER_HOME"] = Repo.Root }
        );
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var peak = 0.0;
        while (!process.WaitForExit(20))
        {
            peak = Math.Max(peak, PeakMb(process.Id));
        }
        return peak;
    }

    private static double PeakMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status")
                .FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null
                ? 0
                : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
                    / 1024;
        }
        catch (IOException)
        {
            return 0; // it has exited
        }
    }

    private static string Escape(string path) => path.Replace("\n", "\\n", StringComparison.Ordinal);
}
