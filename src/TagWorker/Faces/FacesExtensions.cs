using TagWorker.Hosting;

namespace TagWorker.Faces;

public static class FacesExtensions
{
    /// <summary>Grouping faces into people and the owner's decisions; with <paramref name="hosted"/>, kept up to date
    /// while serving.</summary>
    public static IHostApplicationBuilder AddFaces(this IHostApplicationBuilder builder, bool hosted)
    {
        builder.Services.AddSettings<FacesOptions>(FacesOptions.Section);
        builder.Services.AddSingleton<Decisions>();
        builder.Services.AddSingleton<Regrouper>();
        builder.Services.AddSingleton<Grouping>();
        if (
            hosted
            && (
                builder
                    .Configuration.GetSection(Pipeline.PipelineOptions.Section)
                    .Get<Pipeline.PipelineOptions>()
                    ?.Enabled
                ?? true
            )
        )
        {
            builder.Services.AddHostedService<PeopleService>();
        }
        return builder;
    }
}
