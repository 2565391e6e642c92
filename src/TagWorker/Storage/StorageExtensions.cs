using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TagWorker.Storage;

public static class StorageExtensions
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
