using Microsoft.Extensions.Options;
using TagWorker.Faces;
using TagWorker.Library;
using TagWorker.Pipeline;
using TagWorker.Review;
using TagWorker.Storage;
using TagWorker.WriteBack;

namespace TagWorker.Hosting;

/// <summary><c>tagworker serve</c>: the worker and its web host until Ctrl-C or SIGTERM.</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(CommandLine cli)
    {
        var builder = AppHost.CreateWebBuilder(cli);
        builder
            .AddStorage() // SQLite (one file, migrations), its chores
            .AddLibraryWorker() // full passes and watcher hints ─► photos pending (LibraryChanges)
            .AddPipeline(hosted: true) // pending photos ─► objects, faces, embeddings (AnalysisEvents)
            .AddFaces(hosted: true) // faces ─► people: assignment, regrouping, decisions
            .AddWriteBack(hosted: true); // approved changes ─► XMP, verified and journaled; audits
        builder.AddReview(); // the site and /api, behind the token
        builder.Services.AddHostedService(services => services.GetRequiredService<Housekeeping>());
        var app = builder.Build();
        DataDirectory.EnsureWritable(app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir);
        using var dataLock = DataDirectory.Lock(
            app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            "serve"
        );
        DataDirectory.RememberLibrary(
            app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            app.Services.GetRequiredService<IOptions<LibraryOptions>>().Value.Root
        );
        Directory.CreateDirectory(app.Services.GetRequiredService<IOptions<LibraryOptions>>().Value.Root);
        app.MapReview();
        await app.RunAsync();
        return 0;
    }
}
