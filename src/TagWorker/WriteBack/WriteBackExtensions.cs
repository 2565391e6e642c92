using Microsoft.Extensions.DependencyInjection.Extensions;
using TagWorker.Hosting;
using TagWorker.Library;

namespace TagWorker.WriteBack;

public static class WriteBackExtensions
{
    /// <summary>The writer; with <paramref name="hosted"/>, approved changes are written while serving.</summary>
    public static IHostApplicationBuilder AddWriteBack(this IHostApplicationBuilder builder, bool hosted)
    {
        builder.Services.AddSettings<WriteBackOptions>(WriteBackOptions.Section);
        builder.Services.AddSettings<ImmichOptions>(ImmichOptions.Section);
        builder.Services.AddSettings<LibraryOptions>(LibraryOptions.Section);
        builder.Services.AddSettings<Imaging.ImagingOptions>(Imaging.ImagingOptions.Section);
        builder.Services.TryAddSingleton<Imaging.PixelHash>();
        builder.Services.TryAddSingleton<FileHasher>();
        builder.Services.AddSingleton<WriteTargets>();
        builder.Services.AddSingleton<WriteConflicts>();
        builder.Services.AddSingleton<WriteFailures>();
        builder.Services.AddSingleton<ExifTool>();
        builder.Services.AddSingleton<WriteSignal>();
        builder.Services.AddSingleton<WriteJournal>();
        builder.Services.AddSingleton<IHousekeepingTask, BackupChore>();
        builder.Services.AddSingleton<EmbeddedXmp>();
        builder.Services.AddSingleton<WritePlans>();
        builder.Services.AddSingleton<WriteAudit>();
        builder.Services.AddSingleton<TargetWriter>();
        builder.Services.AddSingleton<MetadataWriter>();
        builder.Services.AddSingleton<ImmichRefresh>();
        if (hosted)
        {
            builder.Services.AddHostedService<WriteBackService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<ImmichRefresh>());
        }
        return builder;
    }
}
