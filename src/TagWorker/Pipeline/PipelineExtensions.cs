using TagWorker.Hosting;
using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

public static class PipelineExtensions
{
    /// <summary>The imaging and model settings alone (commands that read results without running models).</summary>
    public static IHostApplicationBuilder AddAnalysisSettings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<ImagingOptions>(ImagingOptions.Section);
        builder.Services.AddSettings<InferenceOptions>(InferenceOptions.Section);
        return builder;
    }

    /// <summary>Decoding and the models; enough for <c>analyze</c>.</summary>
    public static IHostApplicationBuilder AddAnalysis(this IHostApplicationBuilder builder)
    {
        builder.AddAnalysisSettings();
        builder.Services.AddSingleton<ImageDecoder>();
        builder.Services.AddSingleton<OnnxRuntime>();
        builder.Services.AddSingleton<PhotoAnalyzer>();
        builder.Services.AddSingleton(sp => new Lazy<PhotoAnalyzer>(sp.GetRequiredService<PhotoAnalyzer>));
        return builder;
    }

    /// <summary>The pipeline that analyses pending library photos, and (for serve) its hosted service.</summary>
    public static IHostApplicationBuilder AddPipeline(this IHostApplicationBuilder builder, bool hosted)
    {
        builder.AddAnalysis();
        builder.Services.AddSettings<PipelineOptions>(PipelineOptions.Section);
        builder.Services.AddSingleton<ThumbnailStore>();
        builder.Services.AddSingleton<IHousekeepingTask, ThumbnailChore>();
        builder.Services.AddSingleton<PipelineStats>();
        builder.Services.AddSingleton<AnalysisEvents>();
        builder.Services.AddSingleton<AnalysisPipeline>();
        if (
            hosted
            && (builder.Configuration.GetSection(PipelineOptions.Section).Get<PipelineOptions>()?.Enabled ?? true)
        )
        {
            builder.Services.AddSingleton(sp => new Lazy<AnalysisPipeline>(sp.GetRequiredService<AnalysisPipeline>));
            builder.Services.AddHostedService<PipelineService>();
        }
        return builder;
    }
}
