using Microsoft.Extensions.Hosting;
using TagWorker.Hosting;

namespace TagWorker.Faces;

public static class FacesExtensions
{
    public static IHostApplicationBuilder AddFaces(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<FacesOptions>(FacesOptions.Section);
        return builder;
    }
}
