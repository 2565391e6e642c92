using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.Library;

/// <summary>
/// Makes the database agree with the library: the source of truth, run as a full pass or on the
/// paths the watcher named. Unchanged files (same size and mtime) are not read; new and changed
/// files are hashed in parallel and written by this one thread in batched transactions, so a
/// killed process leaves whole batches and the next pass simply finishes the work.
/// </summary>
public sealed class Reconciler(
    Database database,
    LibraryWalker walker,
    FileHasher hasher,
    IOptions<LibraryOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider clock,
    ILogger<Reconciler> logger
) : IDisposable
{
    private const int BatchSize = 500;
    private readonly LibraryOptions _options = options.Value;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public string Root => Path.GetFullPath(_options.Root);

    public void Dispose() => _oneAtATime.Dispose();

    /// <summary>Test seams around hashing, to make a file vanish or a share unmount at an exact moment.</summary>
    internal Action? BeforeHashing { get; set; }

    internal Action? AfterHashing { get; set; }

    /// <param name="scope">Relative paths the watcher named, or null for a full pass.</param>
    public async Task<ScanResult> RunAsync(IReadOnlyCollection<string>? scope, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            return await RunLockedAsync(scope, cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<ScanResult> RunLockedAsync(
        IReadOnlyCollection<string>? scope,
        CancellationToken cancellationToken
    )
    {
        var stopwatch = Stopwatch.StartNew();
        using var connection = database.Open();
        var known = LibraryStore.LoadKnown(connection, scope);
        var walk = walker.Walk(Root, scope, cancellationToken);
        if (walk.RootMissing)
        {
            return Fail($"the library root {Root} does not exist (not mounted?); nothing was changed");
        }
        var knownPresent = known.Values.Count(f => f.State != "removed");
        if (scope is null && walk.Files.Count == 0 && walk.FailedFolders.Count == 0 && knownPresent > 0)
        {
            return Fail(
                $"the library root {Root} is empty but {knownPresent} files are known (share not mounted?); nothing was marked removed"
            );
        }

        var tally = new Tally { Failed = walk.FailedFolders.Count };
        var toHash = new List<ListedFile>();
        var seen = new HashSet<string>(walk.Files.Count, StringComparer.Ordinal);
        foreach (var file in walk.Files)
        {
            seen.Add(file.Path);
            var found = known.TryGetValue(file.Path, out var hit);
            if (found && hit.State == "present" && hit.Size == file.Size && hit.MtimeTicks == file.MtimeTicks)
            {
                tally.Unchanged++;
            }
            else
            {
                toHash.Add(file);
            }
        }

        BeforeHashing?.Invoke();
        await HashAndRecordAsync(connection, toHash, known, tally, cancellationToken);
        AfterHashing?.Invoke();

        if (!Directory.Exists(Root))
        {
            return Fail($"the library root {Root} vanished during the pass (unmounted?); nothing was marked removed");
        }
        var vanished = known
            .Values.Where(f =>
                f.State != "removed" && !seen.Contains(f.Path) && !IsBelowAny(f.Path, walk.FailedFolders)
            )
            .ToList();
        if (scope is null && HoldBack(connection, vanished, knownPresent))
        {
            tally.Held = vanished.Count;
            vanished = [];
        }
        RetireAndCountMoves(connection, vanished, tally, scope, walk.FailedFolders);

        var result = tally.ToResult(walk.Files.Count, stopwatch.Elapsed.TotalSeconds);
        if (walk.Files.Count + known.Count > 10_000)
        {
            // A pass over a large library leaves tens of MB of listing behind; on a NAS, give it
            // back now rather than whenever the next allocation burst happens to trigger a GC.
            ProcessMemory.GiveBack();
        }
        logger.LogInformation(
            "Reconciled {Scope}: {Seen} files, {New} new, {Changed} changed, {Moved} moved, {Removed} removed, {Unchanged} unchanged, {Failed} failed, {Deferred} deferred in {Seconds:F2}s",
            scope is null ? "library" : $"{scope.Count} paths",
            result.FilesSeen,
            result.New,
            result.Changed,
            result.Moved,
            result.Removed,
            result.Unchanged,
            result.Failed,
            result.Deferred,
            result.Seconds
        );
        return result;

        ScanResult Fail(string error)
        {
            logger.LogError("Reconciliation stopped: {Reason}", error);
            return new ScanResult { Error = error, Seconds = stopwatch.Elapsed.TotalSeconds };
        }
    }

    private async Task HashAndRecordAsync(
        Microsoft.Data.Sqlite.SqliteConnection connection,
        List<ListedFile> toHash,
        Dictionary<string, KnownFile> known,
        Tally tally,
        CancellationToken cancellationToken
    )
    {
        var settle = TimeSpan.FromSeconds(_options.SettleSeconds);
        var threads = _options.HashThreads > 0 ? _options.HashThreads : Environment.ProcessorCount;
        var hashed = Channel.CreateBounded<HashedFile>(new BoundedChannelOptions(256) { SingleReader = true });
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    await Parallel.ForEachAsync(
                        toHash,
                        new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                        async (file, ct) =>
                            await hashed.Writer.WriteAsync(
                                hasher.Hash(Path.Join(Root, file.Path), file, settle, clock.GetUtcNow().UtcDateTime),
                                ct
                            )
                    );
                }
                finally
                {
                    hashed.Writer.Complete();
                }
            },
            cancellationToken
        );

        var batch = new List<HashedFile>(BatchSize);
        while (await hashed.Reader.WaitToReadAsync(cancellationToken))
        {
            while (batch.Count < BatchSize && hashed.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            Record(connection, batch, known, tally);
            batch.Clear();
        }
        await producer;
    }

    private void Record(
        Microsoft.Data.Sqlite.SqliteConnection connection,
        List<HashedFile> batch,
        Dictionary<string, KnownFile> known,
        Tally tally
    )
    {
        using var transaction = connection.BeginTransaction();
        using var store = new LibraryStore(connection, transaction, clock.StoredNow());
        foreach (var item in batch)
        {
            KnownFile? before = known.TryGetValue(item.File.Path, out var k) ? k : null;
            switch (item.Outcome)
            {
                case HashOutcome.Unsettled:
                    logger.LogInformation("Leaving {Path} for later: {Reason}", item.File.Path, item.Error);
                    tally.Deferred.Add(item.File.Path);
                    continue;
                case HashOutcome.Failed:
                    logger.LogWarning("Cannot use {Path}: {Reason}", item.File.Path, item.Error);
                    store.SaveFile(item.File, null, "failed", item.Error);
                    tally.Failed++;
                    continue;
            }
            var hashes = item.Hashes!;
            var exact = store.FindPhoto(hashes.File);
            var photoId = exact ?? store.FindPhotoByImage(hashes.Image);
            var previous = before is { State: not "removed" } ? before.Value.PhotoId : null;
            if (photoId is null && previous is { } edited && !store.HasOtherCopy(edited, item.File.Path))
            {
                // Same path, new image, no other copy: the owner (or another program) edited the photo itself.
                // It stays the same photo, in a new version; its faces are matched again after analysis.
                store.AddHashes(edited, hashes);
                store.NewVersion(edited);
                store.SaveFile(item.File, edited, "present", null, hashes.Image);
                tally.Changed++;
                logger.LogInformation("{Path}: the image changed; analysing the new version", item.File.Path);
                continue;
            }
            var isNewPhoto = photoId is null;
            photoId ??= store.AddPhoto(hashes, item.File.Size);
            if (exact is null && !isNewPhoto)
            {
                // Same image, other bytes: another program changed the metadata. Same photo, same faces and decisions.
                store.AddHashes(photoId.Value, hashes);
                store.MarkMetadataChanged(photoId.Value);
                tally.MetadataChanged++;
            }
            store.SaveFile(item.File, photoId, "present", null, hashes.Image);
            if (!isNewPhoto)
            {
                store.RefreshRemoved(photoId.Value);
            }
            if (previous == photoId)
            {
                tally.Unchanged++; // touched, rewritten by another program, or recovered from an earlier failure
            }
            else if (previous is { } other)
            {
                tally.Changed++;
                store.RefreshRemoved(other);
            }
            else if (isNewPhoto || tally.CreatedPhotos.Contains(photoId.Value))
            {
                tally.New++; // a new photo, or a second copy of one first met in this pass
                tally.CreatedPhotos.Add(photoId.Value);
            }
            else
            {
                tally.Arrivals.Add((item.File.Path, photoId.Value));
            }
        }
        transaction.Commit();
    }

    /// <summary>
    /// A known photo arriving at a new path is a move when none of its other files is still present;
    /// otherwise it is a second copy (counted as new). Each move uses up one vanished path.
    /// </summary>
    private void RetireAndCountMoves(
        Microsoft.Data.Sqlite.SqliteConnection connection,
        List<KnownFile> vanished,
        Tally tally,
        IReadOnlyCollection<string>? scope,
        List<(string Path, string Reason)> unreadableFolders
    )
    {
        using var transaction = connection.BeginTransaction();
        using var store = new LibraryStore(connection, transaction, clock.StoredNow());
        store.RecordUnreadableFolders(scope, unreadableFolders);
        foreach (var file in vanished)
        {
            store.Retire(file.Id);
        }
        // A photo that arrived at a new path is a move when no other file of it is still present; the database is
        // asked, not the pass's listing, because a scoped pass (a watcher event) never lists the original of a copy.
        var arrivedPaths = tally
            .Arrivals.GroupBy(a => a.PhotoId)
            .ToDictionary(g => g.Key, g => g.Select(a => a.Path).ToHashSet(StringComparer.Ordinal));
        var stillPresent = arrivedPaths
            .Where(p => store.PresentPaths(p.Key).Any(path => !p.Value.Contains(path)))
            .Select(p => p.Key)
            .ToHashSet();
        var vanishedByPhoto = vanished
            .Where(f => f.PhotoId is not null)
            .GroupBy(f => f.PhotoId!.Value)
            .ToDictionary(g => g.Key, g => g.Count());
        var movedPhotos = new HashSet<long>();
        var usedVanished = 0;
        foreach (var (_, photoId) in tally.Arrivals)
        {
            if (!stillPresent.Contains(photoId) && movedPhotos.Add(photoId))
            {
                tally.Moved++;
                if (vanishedByPhoto.TryGetValue(photoId, out var count) && count > 0)
                {
                    vanishedByPhoto[photoId] = count - 1;
                    usedVanished++;
                }
            }
            else
            {
                tally.New++;
            }
        }
        tally.Removed = vanished.Count - usedVanished;
        foreach (var photoId in vanished.Where(f => f.PhotoId is not null).Select(f => f.PhotoId!.Value).Distinct())
        {
            store.RefreshRemoved(photoId);
        }
        var (purged, thumbnails) = store.PurgeRemovedBefore(
            clock.GetUtcNow() - TimeSpan.FromDays(_options.RemovedGraceDays)
        );
        transaction.Commit();
        if (purged > 0)
        {
            logger.LogInformation(
                "Purged {Count} photos removed more than {Days} days ago",
                purged,
                _options.RemovedGraceDays
            );
        }
        foreach (var file in thumbnails)
        {
            // Paths come from the database, and were made under the data folder by the thumbnail store.
            File.Delete(Path.Combine(storage.Value.Dir, file));
        }
    }

    /// <summary>
    /// True when this pass's removals must wait: too many at once looks like a library that moved or a
    /// share that is not mounted, not like an owner deleting photos. The removal goes ahead once the
    /// owner confirms it, or when <see cref="LibraryOptions.HoldRemovalsPasses"/> passes saw the same.
    /// </summary>
    private bool HoldBack(Microsoft.Data.Sqlite.SqliteConnection connection, List<KnownFile> vanished, int knownPresent)
    {
        using var transaction = connection.BeginTransaction();
        using var store = new LibraryStore(connection, transaction, clock.StoredNow());
        var hold = store.OpenHold();
        var suspect =
            vanished.Count > _options.HoldRemovalsOverFiles
            && vanished.Count * 100L > (long)knownPresent * _options.HoldRemovalsOverPercent;
        var wait = false;
        if (!suspect)
        {
            store.ResolveHolds(); // the files came back, or the removal was small enough
        }
        else if (hold is { Confirmed: true } || hold is { } h && h.Passes + 1 >= _options.HoldRemovalsPasses)
        {
            logger.LogWarning(
                "Removing {Count} vanished files: {Why}",
                vanished.Count,
                hold!.Value.Confirmed ? "the owner confirmed it" : $"{_options.HoldRemovalsPasses} passes saw them gone"
            );
            store.ResolveHolds();
        }
        else
        {
            if (hold is { } open)
            {
                store.SeenAgain(open.Id, vanished.Count);
            }
            else
            {
                store.Hold(vanished.Count, knownPresent, vanished.Select(f => f.Path));
            }
            logger.LogWarning(
                "{Count} of {Known} files are gone at once (library moved or not mounted?): nothing removed until the owner confirms on the dashboard or {Passes} passes see the same",
                vanished.Count,
                knownPresent,
                _options.HoldRemovalsPasses
            );
            wait = true;
        }
        transaction.Commit();
        return wait;
    }

    private static bool IsBelowAny(string path, List<(string Path, string Reason)> folders) =>
        folders.Exists(f => f.Path.Length == 0 || path.StartsWith(f.Path + "/", StringComparison.Ordinal));

    private sealed class Tally
    {
        public int New,
            Changed,
            Moved,
            Removed,
            Unchanged,
            Failed,
            MetadataChanged,
            Held;
        public List<string> Deferred { get; } = [];
        public HashSet<long> CreatedPhotos { get; } = [];
        public List<(string Path, long PhotoId)> Arrivals { get; } = [];

        public ScanResult ToResult(int seen, double seconds) =>
            new()
            {
                FilesSeen = seen,
                New = New,
                Changed = Changed,
                Moved = Moved,
                Removed = Removed,
                Unchanged = Unchanged,
                MetadataChanged = MetadataChanged,
                HeldBack = Held,
                Failed = Failed,
                Deferred = Deferred.Count,
                DeferredPaths = Deferred,
                Seconds = Math.Round(seconds, 3),
            };
    }
}
