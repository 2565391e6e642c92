using System.Net;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>On its own app: the limit counts per client address, and the test server has one for every
/// client.</summary>
public sealed class LoginLimitTests
{
    [Fact]
    public async Task Login_attempts_are_rate_limited()
    {
        using var library = new TempDir("rl-lib");
        using var data = new TempDir("rl-data");
        using var app = new ReviewApp(
            library.Path,
            data.Path,
            new Dictionary<string, string?> { ["TagWorker:Auth:LoginAttemptsPerMinute"] = "10" }
        );
        using var client = app.Anonymous(cookies: true);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            var response = await client.PostAsync(
                "/login",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "guess" + i })
            );
            statuses.Add(response.StatusCode);
        }
        // Exactly the limit is answered, then every attempt in that minute is refused before it is looked at.
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses[..10]);
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses[10..]);
    }
}
