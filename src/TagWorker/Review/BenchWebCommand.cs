using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using TagWorker.Faces;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Pipeline;
using TagWorker.Storage;
using TagWorker.WriteBack;

namespace TagWorker.Review;

/// <summary>
/// <c>tagworker bench-web [--photos N] [--faces N] [--runs N]</c>: generates a database (photos, files in dated
/// folders, faces with embeddings in named people and unnamed groups, objects, albums; nothing written yet, so every
/// photo has a pending change), serves it with the real app on loopback and times every page and list endpoint (median,
/// p95).
/// </summary>
public static class BenchWebCommand
{
    public sealed record Timing(string Url, int Status, double MedianMs, double P95Ms);

    public static async Task<int> RunAsync(CommandLine cli)
    {
        var photos = int.Parse(cli.Value("--photos") ?? "100000", CultureInfo.InvariantCulture);
        var faces = int.Parse(cli.Value("--faces") ?? "50000", CultureInfo.InvariantCulture);
        var runs = int.Parse(cli.Value("--runs") ?? "15", CultureInfo.InvariantCulture);
        var root = Path.Combine(Path.GetTempPath(), $"tagworker-bench-web-{Environment.ProcessId}");
        var data = Path.Combine(root, "data");
        var library = Path.Combine(root, "library");
        Directory.CreateDirectory(library);
        const string token = "bench-web-token";
        try
        {
            var port = FreePort();
            var serve = CommandLine.Parse([
                "serve",
                "--library",
                library,
                "--data",
                data,
                "--urls",
                $"http://127.0.0.1:{port}",
            ]);
            serve.Overrides["TagWorker:Pipeline:Enabled"] = "false";
            serve.Overrides["TagWorker:Library:Watch"] = "false";
            serve.Overrides["TagWorker:WriteBack:ApplyEverySeconds"] = "0";
            serve.Overrides["TagWorker:Auth:Token"] = token;
            serve.Overrides["TagWorker:Logging:Level"] = "Warning";
            var builder = AppHost.CreateWebBuilder(serve);
            // No library service: the generated files are not on disk, and a pass would mark them removed.
            builder
                .AddStorage()
                .AddLibrary()
                .AddPipeline(hosted: false)
                .AddFaces(hosted: false)
                .AddWriteBack(hosted: false);
            builder.AddReview();
            await using var app = builder.Build();
            var stopwatch = Stopwatch.StartNew();
            var generated = Generate(app.Services.GetRequiredService<Database>(), photos, faces);
            Console.WriteLine(
                $"generated {photos} photos, {faces} faces, {generated.People} people in {stopwatch.Elapsed.TotalSeconds:F1} s"
            );
            app.MapReview();
            await app.StartAsync();

            using var http = new HttpClient
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"),
                Timeout = TimeSpan.FromMinutes(2),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var (named, group, photo) = (generated.NamedPerson, generated.Group, photos / 2);
            string[] urls =
            [
                "/",
                "/people",
                "/groups",
                "/waiting",
                $"/merge?from={group}&into={named}",
                $"/person/{named}",
                $"/person/{group}",
                $"/photo/{photo}",
                $"/search?people={named}&people={named + 1}&match=any",
                "/search?object=dog",
                "/albums",
                "/album/1",
                "/writeback",
                $"/writeback?person={named}",
                "/failed",
                "/decisions",
                "/api/status",
                "/api/people",
                "/api/people?q=Person%201",
                "/api/groups",
                $"/api/people/{named}/faces",
                $"/api/people/{group}/faces",
                $"/api/photos/{photo}",
                $"/api/search?people={named},{named + 1}&match=all",
                $"/api/search?people={named},{named + 1}&match=any",
                "/api/search?object=dog",
                "/api/search?folder=2020/05",
                "/api/search?from=2021-01-01&to=2021-06-30",
                "/api/search?object=dog&page=100",
                "/api/labels",
                "/api/albums",
                "/api/albums/1/photos",
                "/api/writeback/pending",
                $"/api/writeback/pending?person={named}",
                "/api/writeback/history",
                "/api/writeback/holds",
                "/api/failed",
                "/api/decisions",
                "/api/faces/waiting",
            ];
            var timings = new List<Timing>();
            foreach (var url in urls)
            {
                var samples = new List<double>();
                var status = 0;
                for (var i = 0; i < runs + 1; i++)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await http.GetAsync(url);
                    await response.Content.ReadAsByteArrayAsync();
                    status = (int)response.StatusCode;
                    if (i > 0)
                    {
                        samples.Add(watch.Elapsed.TotalMilliseconds); // the first is a warm-up (compilation, caches)
                    }
                }
                samples.Sort();
                timings.Add(
                    new Timing(
                        url,
                        status,
                        Math.Round(samples[samples.Count / 2], 1),
                        Math.Round(samples[(int)(samples.Count * 0.95)], 1)
                    )
                );
            }
            await app.StopAsync();
            if (cli.Has("--json"))
            {
                Json.Print(timings);
                return 0;
            }
            foreach (var t in timings)
            {
                Console.WriteLine($"{t.MedianMs, 8:F1} ms median {t.P95Ms, 8:F1} ms p95  {t.Status}  {t.Url}");
            }
            var slowest = timings.MaxBy(t => t.MedianMs)!;
            Console.WriteLine(
                $"slowest median: {slowest.MedianMs:F1} ms ({slowest.Url}); {timings.Count(t => t.MedianMs < 200)}/{timings.Count} under 200 ms; "
                    + $"{timings.Count(t => t.Status != 200)} not 200; peak {Environment.WorkingSet / 1048576.0:F0} MB now"
            );
            return timings.Any(t => t.Status != 200) ? 1 : 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed record Generated(int People, long NamedPerson, long Group);

    private static readonly string[] Labels =
    [
        "dog",
        "cat",
        "car",
        "bicycle",
        "bench",
        "cup",
        "chair",
        "tv",
        "boat",
        "bird",
        "person",
    ];

    private static Generated Generate(Database database, int photos, int faces)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var random = new Random(42);
        const string now = "2026-01-01T00:00:00Z";
        using (
            var photo = connection.Command(
                "INSERT INTO photos (id, size, state, created_at, updated_at, width, height, orientation, analyzed_at, taken_at) VALUES ($id, 4000000, 'analyzed', $now, $now, 4000, 3000, 1, $now, $t)",
                transaction,
                ("$id", 0L),
                ("$now", now),
                ("$t", "")
            )
        )
        using (
            var file = connection.Command(
                "INSERT INTO files (path, photo_id, size, mtime, state, seen_at) VALUES ($p, $id, 4000000, 0, 'present', $now)",
                transaction,
                ("$p", ""),
                ("$id", 0L),
                ("$now", now)
            )
        )
        using (
            var obj = connection.Command(
                "INSERT INTO objects (photo_id, label, confidence, x, y, w, h) VALUES ($id, $l, 0.8, 10, 10, 100, 100)",
                transaction,
                ("$id", 0L),
                ("$l", "")
            )
        )
        {
            for (var i = 1; i <= photos; i++)
            {
                var taken = new DateTime(2018, 1, 1).AddMinutes(i * 30.0);
                photo.Parameters["$id"].Value = i;
                photo.Parameters["$t"].Value = taken.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
                photo.ExecuteNonQuery();
                file.Parameters["$p"].Value = $"{taken:yyyy}/{taken:MM}/IMG_{i:D6}.jpg";
                file.Parameters["$id"].Value = i;
                file.ExecuteNonQuery();
                obj.Parameters["$id"].Value = i;
                obj.Parameters["$l"].Value = Labels[random.Next(Labels.Length)];
                obj.ExecuteNonQuery();
            }
        }
        // People of about 25 faces: half named, half unnamed groups; each face near its person's direction; a tenth in
        // no group.
        var people = Math.Max(2, faces / 25);
        var centres = new float[people][];
        for (var p = 1; p <= people; p++)
        {
            connection.Execute(
                "INSERT INTO people (id, name, created_at, updated_at) VALUES ($id, $n, $now, $now)",
                transaction,
                ("$id", p),
                ("$n", p % 2 == 1 ? $"Person {p}" : null),
                ("$now", now)
            );
            centres[p - 1] = Unit(random, null, 0);
        }
        using (
            var face = connection.Command(
                """
                INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, embedder, embedding, person_id, assigned_by)
                VALUES ($photo, 100, 100, 200, 200, x'', 0.9, 200, 100, 'w600k_mbf', $e, $person, 'auto')
                """,
                transaction,
                ("$photo", 0L),
                ("$e", Array.Empty<byte>()),
                ("$person", 0L)
            )
        )
        {
            for (var f = 0; f < faces; f++)
            {
                var person = random.Next(people);
                face.Parameters["$photo"].Value = random.Next(1, photos + 1);
                face.Parameters["$person"].Value = f % 10 == 0 ? DBNull.Value : person + 1; // one face in ten waits in no group
                face.Parameters["$e"].Value = MemoryMarshal
                    .AsBytes(Unit(random, centres[person], 0.6f).AsSpan())
                    .ToArray();
                face.ExecuteNonQuery();
            }
        }
        for (var a = 1; a <= 20; a++)
        {
            connection.Execute(
                "INSERT INTO albums (id, name, created_at, updated_at) VALUES ($id, $n, $now, $now)",
                transaction,
                ("$id", a),
                ("$n", $"Album {a}"),
                ("$now", now)
            );
            connection.Execute(
                "INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at) SELECT $a, id, $now FROM photos WHERE id % 1000 = $a",
                transaction,
                ("$a", a),
                ("$now", now)
            );
        }
        transaction.Commit();
        connection.Execute("ANALYZE");
        return new Generated(people, 1, 2);
    }

    private static float[] Unit(Random random, float[]? centre, float noise)
    {
        var v = new float[512];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1) * (centre is null ? 1 : noise) + (centre?[i] ?? 0);
        }
        Inference.FaceEmbedder.Normalise(v);
        return v;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
