using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>
/// Looks for files another program changed since TagWorker wrote them, also when no write is pending (a revert
/// would otherwise go unnoticed until the next rename): sidecars by size and mtime, then hash; photos (embedded)
/// only when the library saw them change since the write. What it finds becomes a conflict. Called within the
/// writer's gate.
/// </summary>
public sealed class WriteAudit(
    Database database,
    WriteJournal journal,
    WriteConflicts conflicts,
    EmbeddedXmp embedded,
    IOptions<WriteBackOptions> options,
    TimeProvider clock,
    ILogger<WriteAudit> logger
)
{
    private DateTimeOffset _nextAudit = DateTimeOffset.MinValue;

    /// <summary>Per file the audit looked at: its size and mtime then, and the last write it was compared
    /// with.</summary>
    private readonly Dictionary<string, (long Size, long Mtime, string? WriteHash)> _audited = new(
        StringComparer.Ordinal
    );

    /// <summary>Every AuditEveryMinutes (and the first time).</summary>
    public void RunIfDue()
    {
        if (clock.GetUtcNow() >= _nextAudit)
        {
            Run();
        }
    }

    public void Run()
    {
        _nextAudit = clock.GetUtcNow().AddMinutes(Math.Max(1, options.Value.AuditEveryMinutes));
        List<(long Photo, string Target, string Path, string Mode, string Hash, bool Suspect)> lasts;
        using (var connection = database.Open())
        {
            lasts = connection.Rows(
                """
                SELECT w.photo_id, w.target, w.path, w.mode, w.hash_after, w.mode = 'sidecar' OR p.updated_at > w.created_at
                FROM writes w JOIN photos p ON p.id = w.photo_id
                WHERE w.state = 'done' AND w.target IS NOT NULL AND w.hash_after IS NOT NULL
                  AND w.id = (SELECT max(x.id) FROM writes x WHERE x.target = w.target AND x.state = 'done')
                """,
                r => (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetBoolean(5))
            );
        }
        foreach (var (photo, target, relative, mode, hash, suspect) in lasts)
        {
            try
            {
                var path = journal.Resolve(target, relative, mode);
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    continue; // moved or removed: the library's reconciliation deals with that
                }
                var stat = (info.Length, info.LastWriteTimeUtc.Ticks, (string?)hash);
                var seen = _audited.TryGetValue(target, out var before);
                _audited[target] = stat;
                if (seen ? before == stat : mode == "embedded" && !suspect)
                {
                    continue;
                }
                var current = FileSnapshot.HashOf(path);
                if (current == hash)
                {
                    continue;
                }
                var packet = mode == "embedded" ? embedded.Read(path) : File.ReadAllBytes(path);
                if (conflicts.Check(photo, target, current, XmpTree.Parse(packet), dryRun: false) is { } conflict)
                {
                    logger.LogWarning("{Target}: {Conflict}", target, conflict);
                }
            }
            catch (Exception e)
                when (e is IOException or UnauthorizedAccessException or XmpFormatException or WriteBackException)
            {
                logger.LogDebug("Could not audit {Target}: {Reason}", target, e.Message);
            }
        }
    }
}
