using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.Library;

/// <summary><c>tagworker scan --once [--json]</c>: one reconciliation pass, then exit (1 when it could not
/// complete).</summary>
public static class ScanCommand
{
    public static async Task<int> RunAsync(CommandLine cli, CancellationToken cancellationToken)
    {
        if (!cli.Has("--once"))
        {
            throw new UsageException("scan runs one pass and needs --once; use 'serve' to keep watching the library");
        }
        var builder = AppHost.CreateCommandBuilder(cli);
        builder.AddStorage().AddLibrary();
        using var host = builder.Build();
        DataDirectory.EnsureWritable(host.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir);
        using var dataLock = DataDirectory.Lock(
            host.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            "scan"
        );
        DataDirectory.RememberLibrary(
            host.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            host.Services.GetRequiredService<IOptions<LibraryOptions>>().Value.Root
        );
        var result = await host.Services.GetRequiredService<Reconciler>().RunAsync(null, cancellationToken);
        if (cli.Has("--json"))
        {
            Json.Print(result);
        }
        else
        {
            Console.WriteLine(
                $"{result.FilesSeen} files: {result.New} new, {result.Changed} changed, {result.Moved} moved, {result.Removed} removed, "
                    + $"{result.Unchanged} unchanged, {result.Failed} failed, {result.Deferred} left for later ({result.Seconds:F2} s)"
            );
            if (result.Error is not null)
            {
                Console.Error.WriteLine($"error: {result.Error}");
            }
        }
        return result.Error is null ? 0 : 1;
    }
}
