using System.Globalization;
using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary><c>tagworker apply [--dry-run] [--json]</c> and <c>tagworker undo --write ID | --since TIME</c>.</summary>
public static class WriteBackCommands
{
    public static async Task<int> ApplyAsync(CommandLine cli, CancellationToken cancellationToken)
    {
        using var host = Build(cli);
        using var dataLock = DataDirectory.Lock(
            host.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            "apply"
        );
        var report = await host
            .Services.GetRequiredService<MetadataWriter>()
            .ApplyAsync(cli.Has("--dry-run"), cancellationToken);
        if (cli.Has("--json"))
        {
            Json.Print(report);
        }
        else
        {
            foreach (var file in report.Files)
            {
                var changes = string.Join(
                    ", ",
                    file.Added.Select(a => "+" + a).Concat(file.Removed.Select(r => "-" + r))
                );
                Console.WriteLine(
                    $"{file.State, -12} {file.Path} ({file.Mode}) {changes}{(file.Error is null ? "" : ": " + file.Error)}"
                );
            }
            foreach (var note in report.Notes)
            {
                Console.WriteLine($"note: {note}");
            }
            Console.WriteLine(
                report.DryRun
                    ? $"dry run: {report.Photos} photos, {report.Written} files would be written; nothing was touched"
                    : $"{report.Photos} photos: {report.Written} files written, {report.Unchanged} unchanged, {report.Failed} failed"
            );
        }
        return report.Failed > 0 ? 1 : 0;
    }

    /// <summary>The host for apply and undo, on the library the data folder belongs to (unless one is named).</summary>
    private static Microsoft.Extensions.Hosting.IHost Build(CommandLine cli)
    {
        var probe = AppHost.CreateCommandBuilder(cli);
        probe.AddStorage();
        using (var settings = probe.Build())
        {
            DataDirectory.UseRememberedLibrary(
                cli,
                settings.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir
            );
        }
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddStorage().AddWriteBack(hosted: false);
        return builder.Build();
    }

    public static async Task<int> UndoAsync(CommandLine cli, CancellationToken cancellationToken)
    {
        using var host = Build(cli);
        using var dataLock = DataDirectory.Lock(
            host.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            "undo"
        );
        var writer = host.Services.GetRequiredService<MetadataWriter>();
        IReadOnlyList<long> ids;
        if (cli.Value("--write") is { } write)
        {
            ids =
            [
                long.TryParse(write, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    ? id
                    : throw new UsageException("--write takes a write id (see the history)"),
            ];
        }
        else if (cli.Value("--since") is { } since)
        {
            ids = writer.WritesSince(
                DateTimeOffset.TryParse(
                    since,
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal,
                    out var time
                )
                    ? time
                    : throw new UsageException("--since takes a time such as 2026-11-22T10:00:00Z")
            );
        }
        else
        {
            throw new UsageException("undo needs --write ID or --since TIME");
        }
        var report = await writer.UndoAsync(ids, cancellationToken);
        if (cli.Has("--json"))
        {
            Json.Print(report);
        }
        else
        {
            report.Messages.ToList().ForEach(Console.WriteLine);
            Console.WriteLine($"{report.Undone} undone, {report.Failed} could not be undone");
        }
        return report.Failed > 0 ? 1 : 0;
    }
}
