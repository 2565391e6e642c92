using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TagWorker.Library;

namespace TagWorker.WriteBack;

/// <summary>Optional: tell Immich to re-read the photos TagWorker wrote (it re-reads a photo only when its mtime
/// changes, and never for a sidecar).</summary>
public sealed class ImmichOptions
{
    public const string Section = "TagWorker:Immich";

    /// <summary>Immich's address as TagWorker reaches it, e.g. http://immich-server:2283 (empty: no
    /// integration).</summary>
    public string Url { get; set; } = "";

    /// <summary>An Immich API key with the asset.read and job permissions (Immich: Account settings, API
    /// keys).</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>The library folder as Immich's external library sees it (its import path), when not the same path as
    /// TagWorker's.</summary>
    public string LibraryPath { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(Url) && !string.IsNullOrWhiteSpace(ApiKey);
}

/// <summary>
/// After TagWorker writes (or undoes), asks Immich to refresh those photos' metadata, through the two calls of
/// Immich's published API this needs (v2, stable): <c>searchAssets</c> (POST /api/search/metadata, by
/// originalPath) and <c>runAssetJobs</c> (POST /api/assets/jobs, name "refresh-metadata"), with the
/// <c>x-api-key</c> header. Failures are logged and never hold up a write.
/// </summary>
public sealed class ImmichRefresh : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
    private readonly Channel<IReadOnlyList<string>> _queue = Channel.CreateBounded<IReadOnlyList<string>>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true }
    );
    private readonly HttpClient _http;
    private readonly ImmichOptions _options;
    private readonly string _libraryRoot;
    private readonly MetadataWriter _writer;
    private readonly ILogger<ImmichRefresh> _logger;

    public ImmichRefresh(
        MetadataWriter writer,
        IOptions<ImmichOptions> options,
        IOptions<LibraryOptions> library,
        ILogger<ImmichRefresh> logger
    )
    {
        _options = options.Value;
        _libraryRoot = string.IsNullOrWhiteSpace(_options.LibraryPath)
            ? Path.GetFullPath(library.Value.Root)
            : _options.LibraryPath;
        _writer = writer;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (_options.Enabled)
        {
            _http.BaseAddress = new Uri(_options.Url.TrimEnd('/') + "/");
            _http.DefaultRequestHeaders.Add("x-api-key", _options.ApiKey);
            _writer.Written += Enqueue;
        }
    }

    private void Enqueue(IReadOnlyList<string> relativePhotos) => _queue.Writer.TryWrite(relativePhotos);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }
        await foreach (var photos in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                var assets = await RefreshAsync(photos, stoppingToken);
                _logger.LogInformation(
                    "Asked Immich to re-read {Assets} assets for {Photos} photos TagWorker wrote",
                    assets,
                    photos.Count
                );
            }
            catch (Exception e)
                when (e is HttpRequestException or TaskCanceledException or JsonException or ImmichException)
            {
                _logger.LogWarning(
                    "Could not ask Immich to re-read {Photos} photos: {Reason}",
                    photos.Count,
                    e.Message
                );
            }
        }
    }

    /// <summary>Finds each photo's Immich assets by original path and queues their metadata refresh; returns how many
    /// assets.</summary>
    public async Task<int> RefreshAsync(IReadOnlyList<string> relativePhotos, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return 0;
        }
        var ids = new List<string>();
        foreach (var relative in relativePhotos.Distinct(StringComparer.Ordinal))
        {
            var original = _libraryRoot.TrimEnd('/') + "/" + relative.Replace('\\', '/');
            using var response = await _http.PostAsJsonAsync(
                "api/search/metadata",
                new
                {
                    originalPath = original,
                    size = 100,
                    withDeleted = false,
                },
                Json,
                cancellationToken
            );
            await Check(response, "searchAssets", cancellationToken);
            var found = await response.Content.ReadFromJsonAsync<SearchResponse>(Json, cancellationToken);
            // Immich's originalPath search may match more than the one file: only the exact path counts.
            ids.AddRange(found?.Assets?.Items?.Where(a => a.OriginalPath == original).Select(a => a.Id) ?? []);
        }
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            using var response = await _http.PostAsJsonAsync(
                "api/assets/jobs",
                new { assetIds = chunk, name = "refresh-metadata" },
                Json,
                cancellationToken
            );
            await Check(response, "runAssetJobs", cancellationToken);
        }
        return ids.Distinct(StringComparer.Ordinal).Count();
    }

    private static async Task Check(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new ImmichException(
                $"Immich answered {(int)response.StatusCode} to {operation}: {body[..Math.Min(body.Length, 200)]}"
            );
        }
    }

    public override void Dispose()
    {
        _writer.Written -= Enqueue;
        _http.Dispose();
        base.Dispose();
    }

    private sealed record SearchResponse(AssetPage? Assets);

    private sealed record AssetPage(List<Asset>? Items);

    private sealed record Asset(string Id, string OriginalPath);
}

public sealed class ImmichException(string message) : Exception(message);
