using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace TagWorker.Review;

public sealed class AuthOptions
{
    public const string Section = "TagWorker:Auth";

    /// <summary>The secret for the site and the API. Empty: generated on first start and kept in the data
    /// folder.</summary>
    public string Token { get; set; } = "";

    /// <summary>Failed-or-not login attempts allowed per client address per minute.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 10;

    /// <summary>How long a login lasts (sliding).</summary>
    public int SessionDays { get; set; } = 30;
}

/// <summary>The one secret that opens the site and the API; compared in constant time.</summary>
public sealed class AccessToken
{
    public const string FileName = "auth-token";

    public const string SessionClaim = "tagworker:session";
    private const string EpochFile = "session-epoch";

    private readonly byte[] _hash;
    private readonly string _dataDir;
    private string? _stamp;

    private AccessToken(string value, string source, string dataDir)
    {
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        Source = source;
        _dataDir = dataDir;
    }

    /// <summary>
    /// What a login cookie carries to stay valid: a keyed digest of the token and of the data folder's session epoch.
    /// A new token, or "log out everywhere" (a new epoch), ends every earlier login.
    /// </summary>
    public string SessionStamp()
    {
        if (_stamp is { } stamp)
        {
            return stamp;
        }
        var path = Path.Combine(_dataDir, EpochFile);
        var epoch = File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        if (epoch.Length == 0)
        {
            epoch = NewEpoch(path);
        }
        return _stamp = Convert.ToHexString(HMACSHA256.HashData(_hash, Encoding.UTF8.GetBytes("session:" + epoch)));
    }

    /// <summary>Ends every login (in every browser): the next request of each goes to the login page.</summary>
    public void EndAllSessions()
    {
        NewEpoch(Path.Combine(_dataDir, EpochFile));
        _stamp = null;
    }

    private static string NewEpoch(string path)
    {
        var epoch = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        WritePrivate(path, epoch);
        return epoch;
    }

    private static void WritePrivate(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options600 = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options600.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var writer = new StreamWriter(path, Encoding.ASCII, options600);
        writer.WriteLine(text);
    }

    /// <summary>Where the token came from, for the log (never the token itself).</summary>
    public string Source { get; }

    public bool Matches(string? candidate) =>
        candidate is { Length: > 0 }
        && CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));

    /// <summary>The configured token, else the one kept in the data folder, else a new one written there (mode
    /// 600).</summary>
    public static AccessToken Resolve(AuthOptions options, string dataDir, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(options.Token))
        {
            if (options.Token.Trim().Length < 8)
            {
                throw new Hosting.UsageException(
                    "TagWorker__Auth__Token is shorter than 8 characters; use a longer secret."
                );
            }
            logger.LogInformation(
                "The review site and API use the token from the configuration (TagWorker__Auth__Token)"
            );
            return new AccessToken(options.Token.Trim(), "configuration", dataDir);
        }
        var path = Path.GetFullPath(Path.Combine(dataDir, FileName));
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: >= 8 } stored)
        {
            logger.LogInformation("The review site's token is in {Path}", path);
            return new AccessToken(stored, path, dataDir);
        }
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        WritePrivate(path, token);
        logger.LogWarning(
            "Generated a token for the review site and API: it is in {Path} (set TagWorker__Auth__Token to choose your own)",
            path
        );
        return new AccessToken(token, path, dataDir);
    }
}

/// <summary><c>Authorization: Bearer &lt;token&gt;</c> for the API.</summary>
public sealed class BearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessToken token
) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!token.Matches(header["Bearer ".Length..].Trim()))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong token"));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "owner")], SchemeName);
        return Task.FromResult(
            AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName))
        );
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.WriteAsync(
            Context,
            StatusCodes.Status401Unauthorized,
            "Unauthorized",
            "Send Authorization: Bearer <token> (see the worker's log for where the token is)."
        );
    }
}

/// <summary>
/// Wrong tokens cost nothing: after LoginAttemptsPerMinute failed Bearer attempts an address gets 429 on every route
/// for the rest of the minute, without the token being checked; and failures are logged per address and minute (the
/// first one, then a count), so a flood cannot push real lines out of the log.
/// </summary>
public sealed class FailedAuthentications(
    IOptions<AuthOptions> options,
    TimeProvider clock,
    ILogger<FailedAuthentications> logger
)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Tally> _tallies = new();

    private sealed class Tally(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; set; } = start;
        public int Count { get; set; }
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var limit = Math.Max(1, options.Value.LoginAttemptsPerMinute);
        if (
            _tallies.TryGetValue(address, out var tally)
            && clock.GetUtcNow() - tally.Start < Window
            && tally.Count >= limit
            && !context.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal)
        )
        {
            Count(address);
            context.Response.Headers.RetryAfter = "60";
            await Problems.WriteAsync(
                context,
                StatusCodes.Status429TooManyRequests,
                "Too many failed attempts",
                "Wait a minute and try again."
            );
            return;
        }
        await next(context);
        if (
            context.Response.StatusCode == StatusCodes.Status401Unauthorized
            && context.Request.Headers.Authorization.Count > 0
        )
        {
            Count(address);
        }
    }

    private void Count(string address)
    {
        var now = clock.GetUtcNow();
        var tally = _tallies.GetOrAdd(address, _ => new Tally(now));
        lock (tally)
        {
            if (now - tally.Start >= Window)
            {
                if (tally.Count > 1)
                {
                    logger.LogWarning(
                        "{Count} failed authentications from {Address} in the minute from {Start:HH:mm:ss}",
                        tally.Count,
                        address,
                        tally.Start
                    );
                }
                (tally.Start, tally.Count) = (now, 0);
            }
            if (++tally.Count == 1)
            {
                logger.LogWarning(
                    "Failed authentication from {Address} (more within a minute are counted, then summed up)",
                    address
                );
            }
        }
        if (_tallies.Count > 10_000)
        {
            foreach (var (key, old) in _tallies.Where(t => now - t.Value.Start > Window * 2).ToList())
            {
                _tallies.TryRemove(key, out _);
            }
        }
    }
}
