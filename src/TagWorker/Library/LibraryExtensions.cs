using Microsoft.Extensions.DependencyInjection.Extensions;
using TagWorker.Hosting;

namespace TagWorker.Library;

public static class LibraryExtensions
{
    /// <summary>Reconciliation and the library's state; enough for one-shot commands.</summary>
    public static IHostApplicationBuilder AddLibrary(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<LibraryOptions>(LibraryOptions.Section);
        builder.Services.AddSettings<Imaging.ImagingOptions>(Imaging.ImagingOptions.Section);
        builder.Services.TryAddSingleton<Imaging.PixelHash>();
        builder.Services.TryAddSingleton<FileHasher>();
        builder.Services.AddSingleton<PathFilter>();
        builder.Services.AddSingleton<LibraryWalker>();
        builder.Services.AddSingleton<Reconciler>();
        builder.Services.AddSingleton<LibrarySafety>();
        builder.Services.AddSingleton<ScanState>();
        builder.Services.AddSingleton<LibraryChanges>();
        builder.Services.AddSingleton<LibraryWatcher>();
        return builder;
    }

    /// <summary>The long-running part: watcher hints and periodic full passes.</summary>
    public static IHostApplicationBuilder AddLibraryWorker(this IHostApplicationBuilder builder)
    {
        builder.AddLibrary();
        builder.Services.AddHostedService<LibraryService>();
        return builder;
    }
}
