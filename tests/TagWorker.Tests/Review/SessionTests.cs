using System.Net;
using System.Text.RegularExpressions;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>
/// Logins end when the owner says so: "Log out" ends this browser's, "Log out everywhere" every browser's, and a new
/// token every login made with the old one (the real app, restarted on the same data folder with another token).
/// </summary>
[Collection(nameof(Isolated))]
public sealed partial class SessionTests
{
    [Fact]
    public async Task Log_out_here_log_out_everywhere_and_a_new_token_each_end_the_logins_they_should()
    {
        using var library = new TempDir("session-lib");
        using var data = new TempDir("session-data");
        const string first = "first-token-0123456789";
        var jar = new CookieContainer();
        using (var app = await AppProcess.StartAsync(library.Path, data.Path, new Dictionary<string, string?> { ["TagWorker__Auth__Token"] = first }))
        {
            using var here = await LogIn(app.Url, first);
            using var elsewhere = await LogIn(app.Url, first);
            using var later = await LogIn(app.Url, first, jar);

            var logout = await Post(here, "/people", "/logout", "");
            Assert.Equal("/login", logout.Headers.Location?.OriginalString);
            await AssertLoggedOut(here);
            Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/people")).StatusCode); // only this browser

            using var phone = await LogIn(app.Url, first);
            await Post(phone, "/logout", "/logout?handler=Everywhere", "");
            await AssertLoggedOut(elsewhere);
            await AssertLoggedOut(phone);

            using var again = await LogIn(app.Url, first, jar);
            Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/people")).StatusCode);
            app.Process.Kill();
            await app.Process.WaitForExitAsync();
        }
        using (var app = await AppProcess.StartAsync(library.Path, data.Path, new Dictionary<string, string?> { ["TagWorker__Auth__Token"] = "second-token-0123456789" }))
        {
            using var old = Client(app.Url, jar); // the cookie from before the restart, made with the old token
            await AssertLoggedOut(old);
            using var fresh = await LogIn(app.Url, "second-token-0123456789");
            Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/people")).StatusCode);
        }
    }

    [Fact]
    public async Task A_flood_of_wrong_tokens_is_refused_early_and_summed_up_in_the_log_not_written_line_by_line()
    {
        using var library = new TempDir("flood-lib");
        using var data = new TempDir("flood-data");
        using var app = await AppProcess.StartAsync(library.Path, data.Path, new Dictionary<string, string?> { ["TagWorker__Auth__LoginAttemptsPerMinute"] = "5" });
        using var attacker = Client(app.Url);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", $"guess-{i}");
            statuses.Add((await attacker.SendAsync(request)).StatusCode);
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(195, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, (await attacker.GetAsync("/healthz")).StatusCode); // the container's health check still answers
        Assert.Equal(HttpStatusCode.TooManyRequests, (await app.Http.GetAsync("/api/status")).StatusCode); // that address, this minute
        var log = string.Concat(Directory.GetFiles(Path.Combine(data.Path, "logs")).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }));
        Assert.Equal(1, log.Split("Failed authentication from").Length - 1);
        Assert.DoesNotContain("Bearer was not authenticated", log, StringComparison.Ordinal);
    }

    private static HttpClient Client(string url, CookieContainer? jar = null) =>
        new(new HttpClientHandler { CookieContainer = jar ?? new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };

    private static async Task<HttpClient> LogIn(string url, string token, CookieContainer? jar = null)
    {
        var client = Client(url, jar);
        var right = await Post(client, "/login", "/login", $"token={Uri.EscapeDataString(token)}");
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        return client;
    }

    /// <summary>Posts a form the way a browser does: with the antiforgery field of the page it was on.</summary>
    private static async Task<HttpResponseMessage> Post(HttpClient client, string page, string action, string fields)
    {
        var html = await (await client.GetAsync(page)).Content.ReadAsStringAsync();
        var antiforgery = Antiforgery().Match(html).Groups[1].Value;
        Assert.NotEmpty(antiforgery);
        var body = (fields.Length > 0 ? fields + "&" : "") + "__RequestVerificationToken=" + Uri.EscapeDataString(antiforgery);
        return await client.PostAsync(action, new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
    }

    private static async Task AssertLoggedOut(HttpClient client)
    {
        var response = await client.GetAsync("/people");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
