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
        builder.AddStorage().AddLibraryWorker().AddPipeline(hosted: true).AddFaces(hosted: true).AddWriteBack(hosted: true);
        builder.AddReview();
        builder.Services.AddHostedService(services => services.GetRequiredService<Housekeeping>());
        var app = builder.Build();
        DataDirectory.EnsureWritable(app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir);
        using var dataLock = DataDirectory.Lock(app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir, "serve");
        DataDirectory.RememberLibrary(app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Dir,
            app.Services.GetRequiredService<IOptions<LibraryOptions>>().Value.Root);
        Directory.CreateDirectory(app.Services.GetRequiredService<IOptions<LibraryOptions>>().Value.Root);
        app.MapReview();
        await app.RunAsync();
        return 0;
    }
}
