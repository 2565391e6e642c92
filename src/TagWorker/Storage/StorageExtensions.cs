using TagWorker.Hosting;

namespace TagWorker.Storage;

public static class StorageExtensions
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<StorageOptions>(StorageOptions.Section);
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Housekeeping>();
        builder.Services.AddSingleton<IHousekeepingTask, DatabaseChore>();
        builder.Services.AddSingleton<IHousekeepingTask, TempFolderChore>();
        return builder;
    }
}
