using Microsoft.Extensions.Options;
using TagWorker.Faces;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Pipeline;

// TagWorker. `serve` (the default command, Hosting/ServeCommand.cs) runs these stages, each a folder, each talking to
// the next through SQLite and a signal or event, never through another stage's status:
//
//   Library   walk + watcher hints ─► reconcile (hash identity) ─► photos pending     ─► LibraryChanges
//   Pipeline  decode ─► objects, faces, landmarks, embeddings ─► stored per photo     ─► AnalysisEvents.PhotoStored
//   Faces     assign new faces, regroup, the owner's decisions ─► people              ◄─ Grouping.Changed (the site)
//   Review    the site and /api: names, fixes, approvals ─► decisions, approvals       ─► WriteSignal
//   WriteBack approved changes ─► XMP (sidecar or embedded), verified, journaled, undoable; audits others' edits
//   Hosting   settings, logging, housekeeping chores of every folder (IHousekeepingTask)
//
// The other commands run one stage alone (scan, analyze, regroup, apply, undo) or measure one (bench-*, eval-faces).
ProcessMemory.TuneNativeHeap();
try
{
    var cli = CommandLine.Parse(args);
    if (cli.Has("--help") || cli.Command is "help")
    {
        Console.WriteLine(Usage.Text);
        return 0;
    }
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancel.Cancel();
    };
    return cli.Command switch
    {
        "serve" => await ServeCommand.RunAsync(cli),
        "scan" => await ScanCommand.RunAsync(cli, cancel.Token),
        "status" => StatusCommand.Run(cli),
        "bench-scan" => await BenchScanCommand.RunAsync(cli),
        "analyze" => AnalyzeCommand.Run(cli),
        "bench" => await BenchCommand.RunAsync(cli),
        "eval-faces" => await EvalFacesCommand.RunAsync(cli),
        "bench-cluster" => BenchClusterCommand.Execute(cli),
        "regroup" => RegroupCommand.Run(cli),
        "similar" => SimilarCommand.Run(cli),
        "bench-web" => await TagWorker.Review.BenchWebCommand.RunAsync(cli),
        "bench-write" => await TagWorker.WriteBack.BenchWriteCommand.RunAsync(cli),
        "apply" => await TagWorker.WriteBack.WriteBackCommands.ApplyAsync(cli, cancel.Token),
        "undo" => await TagWorker.WriteBack.WriteBackCommands.UndoAsync(cli, cancel.Token),
        _ => throw new UsageException($"unknown command '{cli.Command}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"tagworker: {e.Message}\n\n{Usage.Text}");
    return 2;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine($"tagworker: invalid settings: {string.Join("; ", e.Failures)}");
    return 2;
}
catch (OperationCanceledException)
{
    return 130;
}

/// <summary>The entry point, public so tests can host the app (WebApplicationFactory).</summary>
public partial class Program;
