using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>The files TagWorker could not write, one row each (table <c>write_failures</c>); a later good write clears
/// it.</summary>
public sealed class WriteFailures(Database database, TimeProvider clock, ILogger<WriteFailures> logger)
{
    /// <summary>One apply round's outcome per file: a failure is kept (and logged once per file and reason), a good
    /// write clears it.</summary>
    public void Note(IEnumerable<FileReport> reports)
    {
        foreach (var report in reports)
        {
            if (report.State == "failed" && Record(report.PhotoId, report.Path, report.Error ?? "unknown"))
            {
                logger.LogWarning("Could not write {Path}: {Reason}", report.Path, report.Error);
            }
            else if (report.State is "done" or "unchanged" or "removed")
            {
                Clear(report.Path);
            }
        }
    }

    /// <summary>Records a failure; true when it is new for this file (first time, or another reason), so it is logged
    /// once.</summary>
    private bool Record(long photoId, string target, string reason)
    {
        using var connection = database.Open();
        var now = clock.StoredNow();
        var known =
            connection.Scalar("SELECT reason FROM write_failures WHERE target = $t", null, ("$t", target)) as string;
        connection.Execute(
            """
            INSERT INTO write_failures (target, photo_id, reason, first_at, last_at) VALUES ($t, $p, $r, $now, $now)
            ON CONFLICT (target) DO UPDATE SET photo_id = $p, reason = $r, last_at = $now,
                first_at = CASE WHEN reason = $r THEN first_at ELSE $now END
            """,
            null,
            ("$t", target),
            ("$p", photoId),
            ("$r", reason),
            ("$now", now)
        );
        return known != reason;
    }

    private void Clear(string target)
    {
        using var connection = database.Open();
        connection.Execute("DELETE FROM write_failures WHERE target = $t", null, ("$t", target));
    }
}
