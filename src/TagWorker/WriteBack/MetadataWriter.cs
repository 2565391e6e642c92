using TagWorker.Storage;

namespace TagWorker.WriteBack;

public sealed record FileReport(
    long PhotoId,
    string Path,
    string Mode,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    string State,
    string? Error,
    long? WriteId
);

public sealed record ApplyReport(
    bool DryRun,
    int Photos,
    int Written,
    int Unchanged,
    int Failed,
    IReadOnlyList<FileReport> Files,
    IReadOnlyList<string> Notes
);

public sealed record UndoReport(int Undone, int Failed, IReadOnlyList<string> Messages);

/// <summary>
/// Writes approved changes into XMP, one photo's plan at a time and one write at a time (a gate): recovers what a
/// crash interrupted, audits for other programs' changes (<see cref="WriteAudit"/>), loads the plans
/// (<see cref="WritePlans"/>), has <see cref="TargetWriter"/> write each file (sidecars first), then records what
/// was written and spends the approvals, only when every file of the photo is written. Undo and audit run under
/// the same gate.
/// </summary>
public sealed class MetadataWriter(
    Database database,
    WriteJournal journal,
    WriteTargets targets,
    WritePlans writePlans,
    WriteAudit audit,
    TargetWriter targetWriter,
    WriteConflicts conflicts,
    WriteFailures failures
) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    /// <summary>Called with the target's path right before it is swapped in: tests let another program write
    /// there.</summary>
    internal Action<string>? BeforeReplace
    {
        get => targetWriter.BeforeReplace;
        set => targetWriter.BeforeReplace = value;
    }

    /// <summary>Photos whose metadata an apply or undo changed (relative paths): for Immich to re-read them.</summary>
    public event Action<IReadOnlyList<string>>? Written;

    public async Task<ApplyReport> ApplyAsync(bool dryRun, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            journal.Recover();
            if (!dryRun)
            {
                audit.RunIfDue();
            }
            var files = new List<FileReport>();
            var notes = new List<string>();
            var plans = writePlans.Load(notes);
            var written = new List<string>();
            foreach (var plan in plans)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Sidecars first: a sidecar takes over from what readers saw in the photo before TagWorker touched it.
                var reports = plan
                    .Paths.SelectMany(path =>
                        targets
                            .For(path)
                            .OrderBy(t => t.Mode == "embedded")
                            .Where(t => plan.Repair is null || t.Relative == plan.Repair.Target)
                            .Select(target => targetWriter.Write(plan, path, target, dryRun))
                    )
                    .ToList();
                files.AddRange(reports.Select(r => r.Report));
                if (!dryRun)
                {
                    failures.Note(reports.Select(r => r.Report));
                }
                if (
                    !dryRun
                    && reports.Count > 0
                    && reports.All(r => r.Report.State is "done" or "unchanged" or "removed")
                )
                {
                    Commit(plan, reports.ToDictionary(r => r.Report.Path, r => r.Added));
                    if (reports.Any(r => r.Report.State is "done" or "removed"))
                    {
                        written.AddRange(plan.Paths);
                    }
                }
            }
            if (!dryRun)
            {
                if (written.Count > 0)
                {
                    Written?.Invoke(written.Distinct().ToList());
                }
            }
            return new ApplyReport(
                dryRun,
                plans.Count,
                files.Count(f => f.State is "done" or "removed" or "would write"),
                files.Count(f => f.State == "unchanged"),
                files.Count(f => f.State is "failed" or "conflict"),
                files,
                notes
            );
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Restores the files of the given writes (newest first) as they were, and TagWorker's record of what it
    /// wrote.</summary>
    public async Task<UndoReport> UndoAsync(IReadOnlyList<long> writeIds, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var messages = new List<string>();
            var restored = new List<string>();
            int undone = 0,
                failed = 0;
            foreach (var id in writeIds.OrderDescending())
            {
                try
                {
                    messages.Add(journal.Undo(id));
                    restored.AddRange(journal.PhotoPath(id) is { } path ? [path] : []);
                    undone++;
                }
                catch (Exception e) when (e is WriteBackException or IOException or UnauthorizedAccessException)
                {
                    messages.Add($"write {id}: {e.Message}");
                    failed++;
                }
            }
            if (restored.Count > 0)
            {
                Written?.Invoke(restored.Distinct().ToList());
            }
            return new UndoReport(undone, failed, messages);
        }
        finally
        {
            _gate.Release();
        }
    }

    public IReadOnlyList<long> WritesSince(DateTimeOffset since) => journal.WritesSince(since);

    /// <summary>Finishes or rolls back writes a crash interrupted (also done before every apply).</summary>
    public void Recover() => journal.Recover();

    /// <summary>
    /// Looks for files another program changed since TagWorker wrote them, also when no write is pending (a
    /// revert would otherwise go unnoticed until the next rename): sidecars by size and mtime, then hash;
    /// photos (embedded) only when the library saw them change since the write. Runs within the write gate.
    /// </summary>
    public async Task<int> AuditAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            audit.Run();
            return conflicts.OpenCount();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The photo's record of what TagWorker wrote becomes the new state, and the approvals it used are
    /// spent.</summary>
    private void Commit(Plan plan, Dictionary<string, Dictionary<string, Entries>> added)
    {
        using var connection = database.Open();
        if (plan.Repair is { } repair)
        {
            // One file written again: the record keeps the other files' entries and the owner's pending approvals.
            var rows = WriteJournal.ReadWritten(connection, plan.PhotoId);
            var mine = TargetWriter.AfterRows(plan, added);
            using var repairing = connection.BeginTransaction();
            WriteJournal.SaveWritten(
                connection,
                repairing,
                plan.PhotoId,
                rows.Select(row =>
                {
                    var now = mine.FirstOrDefault(m => m.Subject == row.Subject)?.For(repair.Target) ?? Entries.None;
                    var targets = row.Targets is null
                        ? new Dictionary<string, Entries> { [repair.Target] = now }
                        : new Dictionary<string, Entries>(row.Targets) { [repair.Target] = now };
                    return row with
                    {
                        Entries = new Entries(
                            targets.Values.SelectMany(e => e.Fields).Distinct().ToList(),
                            targets.Values.SelectMany(e => e.Regions).Distinct().ToList()
                        ),
                        Targets = targets,
                    };
                })
            );
            repairing.Commit();
            conflicts.Repaired(repair.ConflictId);
            return;
        }
        using var transaction = connection.BeginTransaction();
        foreach (var change in plan.Changes)
        {
            connection.Execute(
                "DELETE FROM written WHERE photo_id = $p AND subject = $s",
                transaction,
                ("$p", plan.PhotoId),
                ("$s", change.Subject)
            );
            connection.Execute(
                "DELETE FROM approvals WHERE photo_id = $p AND subject = $s",
                transaction,
                ("$p", plan.PhotoId),
                ("$s", change.Subject)
            );
        }
        WriteJournal.SaveWritten(connection, transaction, plan.PhotoId, TargetWriter.AfterRows(plan, added));
        transaction.Commit();
    }
}
