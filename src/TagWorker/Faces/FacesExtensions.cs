using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TagWorker.Hosting;

namespace TagWorker.Faces;

public static class FacesExtensions
{
    public static IHostApplicationBuilder AddFaces(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<FacesOptions>(FacesOptions.Section);
        builder.Services.AddSingleton<Decisions>();
        builder.Services.AddSingleton<Regrouper>();
        return builder;
    }
}
