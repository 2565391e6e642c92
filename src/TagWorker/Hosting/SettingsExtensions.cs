namespace TagWorker.Hosting;

public static class SettingsExtensions
{
    /// <summary>Binds a settings section, validated by its data annotations when the host starts.</summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
