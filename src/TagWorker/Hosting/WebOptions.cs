namespace TagWorker.Hosting;

/// <summary>Where the review site and API listen (read while the web host is built).</summary>
public sealed class WebOptions
{
    public const string Section = "TagWorker:Web";

    /// <summary>Loopback by default; the container listens on all addresses (the token protects it).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The largest request body taken (1 MiB: about 100,000 photo ids in one album request).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;
}
