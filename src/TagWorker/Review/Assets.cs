using System.Reflection;

namespace TagWorker.Review;

/// <summary>The site's own stylesheet and script, embedded in the binary: no CDN, nothing fetched from the
/// internet.</summary>
public static class Assets
{
    private static readonly Dictionary<string, (byte[] Bytes, string Type)> Files = Load();

    public static IEndpointRouteBuilder MapAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/assets/{name}", (string name, HttpContext context) =>
            {
                if (!Files.TryGetValue(name, out var file))
                {
                    return Results.NotFound();
                }
                context.Response.Headers.CacheControl = "public, max-age=3600";
                return Results.Bytes(file.Bytes, file.Type);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        const string prefix = "TagWorker.Review.Assets.";
        var assembly = Assembly.GetExecutingAssembly();
        return assembly
            .GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(
                n => n[prefix.Length..],
                n =>
                {
                    using var stream = assembly.GetManifestResourceStream(n)!;
                    using var memory = new MemoryStream();
                    stream.CopyTo(memory);
                    var type = n.EndsWith(".css", StringComparison.Ordinal)
                        ? "text/css; charset=utf-8"
                        : "text/javascript; charset=utf-8";
                    return (memory.ToArray(), type);
                },
                StringComparer.Ordinal
            );
    }
}
