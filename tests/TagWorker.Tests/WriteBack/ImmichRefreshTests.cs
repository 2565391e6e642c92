using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TagWorker.Tests.Support;
using TagWorker.WriteBack;

namespace TagWorker.Tests.WriteBack;

/// <summary>
/// The Immich integration against a stand-in (Immich itself cannot run here): a local HTTP server that answers
/// the two calls TagWorker makes as Immich's published OpenAPI document (v2.4.1) specifies them, and refuses
/// what that document would refuse: searchAssets (POST /api/search/metadata; size 1-1000; a SearchResponseDto)
/// and runAssetJobs (POST /api/assets/jobs; assetIds as UUIDs and a name of AssetJobName; 204), behind x-api-key.
/// </summary>
[Collection(nameof(Isolated))]
public sealed class ImmichRefreshTests : IDisposable
{
    private readonly TempDir _library = new("immich-lib");
    private readonly TempDir _data = new("immich-data");

    [Fact]
    public async Task Photos_written_and_undone_are_refreshed_in_a_stand_in_Immich_found_by_their_path_there()
    {
        Directory.CreateDirectory(_library.Combine("2024"));
        File.Copy(Path.Combine(Repo.Photos, "obama_1.jpg"), _library.Combine("2024/photo.jpg"));
        using var immich = new StandInImmich(
            "the-api-key",
            new Dictionary<string, string>
            {
                ["/mnt/media/photos/2024/photo.jpg"] = "9f1c2a4e-0000-4000-8000-000000000001",
                ["/mnt/media/photos/2024/photo.jpg.bak"] = "9f1c2a4e-0000-4000-8000-000000000002", // matched by a looser search: not ours
            }
        );
        using var worker = new Worker(
            _library.Path,
            _data.Path,
            new Dictionary<string, string?>
            {
                ["TagWorker:Immich:Url"] = immich.Url,
                ["TagWorker:Immich:ApiKey"] = "the-api-key",
                ["TagWorker:Immich:LibraryPath"] = "/mnt/media/photos",
            },
            withWriteBack: true
        );
        await worker.ScanAsync();
        worker.NameOneFace("2024/photo.jpg", "Alice", 910, 1137, (330, 180, 260, 330));
        using (var connection = worker.Open())
        {
            Changes.Approve(
                connection,
                new WriteBackOptions(),
                ApprovalScope.All,
                DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)
            );
        }
        var writer = worker.Services.GetRequiredService<MetadataWriter>();
        var refresh = worker.Services.GetRequiredService<ImmichRefresh>();
        var told = new List<IReadOnlyList<string>>();
        writer.Written += told.Add;

        Assert.Equal(0, (await writer.ApplyAsync(false, CancellationToken.None)).Failed);
        Assert.Equal(["2024/photo.jpg"], Assert.Single(told));
        Assert.Equal(1, await refresh.RefreshAsync(told[0], CancellationToken.None));
        Assert.Equal(["/mnt/media/photos/2024/photo.jpg"], immich.Searched);
        var job = Assert.Single(immich.Jobs);
        Assert.Equal(
            ("refresh-metadata", "9f1c2a4e-0000-4000-8000-000000000001"),
            (job.Name, Assert.Single(job.Assets))
        );

        var undo = await writer.UndoAsync(writer.WritesSince(DateTimeOffset.MinValue), CancellationToken.None);
        Assert.Equal(0, undo.Failed);
        Assert.Equal(["2024/photo.jpg"], told[^1]); // undone: Immich re-reads it too
        Assert.Equal(1, await refresh.RefreshAsync(told[^1], CancellationToken.None));
        Assert.Equal(2, immich.Jobs.Count);

        immich.ApiKey = "rotated";
        var refused = await Assert.ThrowsAsync<ImmichException>(() =>
            refresh.RefreshAsync(told[0], CancellationToken.None)
        );
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the-api-key", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _library.Dispose();
        _data.Dispose();
    }

    /// <summary>The stand-in: the assets it knows by original path, and what it was asked.</summary>
    private sealed class StandInImmich : IDisposable
    {
        private static readonly string[] JobNames =
        [
            "refresh-faces",
            "refresh-metadata",
            "regenerate-thumbnail",
            "transcode-video",
        ];
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, string> _assets;
        private readonly Task _loop;

        public StandInImmich(string apiKey, Dictionary<string, string> assets)
        {
            ApiKey = apiKey;
            _assets = assets;
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        public string Url { get; }
        public string ApiKey { get; set; }
        public ConcurrentQueue<string> Searches { get; } = new();
        public List<string> Searched => [.. Searches];
        public List<(string Name, List<string> Assets)> Jobs { get; } = [];

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                var (status, body) = Answer(context.Request);
                context.Response.StatusCode = status;
                if (body is not null)
                {
                    var bytes = Encoding.UTF8.GetBytes(body);
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(bytes);
                }
                context.Response.Close();
            }
        }

        private (int, string?) Answer(HttpListenerRequest request)
        {
            if (request.Headers["x-api-key"] != ApiKey)
            {
                return (401, """{"message":"Invalid API key","error":"Unauthorized","statusCode":401}""");
            }
            using var reader = new StreamReader(request.InputStream);
            var body = JsonDocument.Parse(reader.ReadToEnd()).RootElement;
            switch (request.HttpMethod, request.Url!.AbsolutePath)
            {
                case ("POST", "/api/search/metadata"):
                    if (body.TryGetProperty("size", out var size) && size.GetInt32() is < 1 or > 1000)
                    {
                        return (400, """{"message":["size must not be greater than 1000"]}""");
                    }
                    var path = body.GetProperty("originalPath").GetString()!;
                    Searches.Enqueue(path);
                    var items = _assets
                        .Where(a => a.Key.StartsWith(path, StringComparison.Ordinal))
                        .Select(a => new
                        {
                            id = a.Value,
                            originalPath = a.Key,
                            type = "IMAGE",
                        })
                        .ToList();
                    return (
                        200,
                        JsonSerializer.Serialize(
                            new
                            {
                                albums = new
                                {
                                    count = 0,
                                    facets = Array.Empty<object>(),
                                    items = Array.Empty<object>(),
                                    total = 0,
                                },
                                assets = new
                                {
                                    count = items.Count,
                                    facets = Array.Empty<object>(),
                                    items,
                                    nextPage = (string?)null,
                                    total = items.Count,
                                },
                            }
                        )
                    );
                case ("POST", "/api/assets/jobs"):
                    var name = body.GetProperty("name").GetString()!;
                    var ids = body.GetProperty("assetIds").EnumerateArray().Select(e => e.GetString()!).ToList();
                    if (!JobNames.Contains(name) || ids.Any(id => !Guid.TryParse(id, out _)))
                    {
                        return (400, """{"message":["name must be one of the following values"]}""");
                    }
                    Jobs.Add((name, ids));
                    return (204, null);
                default:
                    return (404, """{"message":"Cannot POST"}""");
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
