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
        using (
            var app = await AppProcess.StartAsync(
                library.Path,
                data.Path,
                new Dictionary<string, string?> { ["TagWorker__Auth__Token"] = first }
            )
        )
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
        using (
            var app = await AppProcess.StartAsync(
                library.Path,
                data.Path,
                new Dictionary<string, string?> { ["TagWorker__Auth__Token"] = "second-token-0123456789" }
            )
        )
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
        using var app = await AppProcess.StartAsync(
            library.Path,
            data.Path,
            new Dictionary<string, string?> { ["TagWorker__Auth__LoginAttemptsPerMinute"] = "5" }
        );
        using var attacker = Client(app.Url);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Bearer",
                $"guess-{i}"
            );
            statuses.Add((await attacker.SendAsync(request)).StatusCode);
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(195, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, (await attacker.GetAsync("/healthz")).StatusCode); // the container's health check still answers
        Assert.Equal(HttpStatusCode.TooManyRequests, (await app.Http.GetAsync("/api/status")).StatusCode); // that address, this minute
        var log = string.Concat(
            Directory
                .GetFiles(Path.Combine(data.Path, "logs"))
                .Select(f =>
                {
                    using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    return new StreamReader(stream).ReadToEnd();
                })
        );
        Assert.Equal(1, log.Split("Failed authentication from").Length - 1);
        Assert.DoesNotContain("Bearer was not authenticated", log, StringComparison.Ordinal);
    }

    /// <summary>
    /// A bounded load on loopback: an attacker (127.0.0.2) floods wrong tokens while the owner (127.0.0.1) keeps using
    /// the API and the site. Nothing the owner asks fails, the attacker only ever hears 401 or 429, and the log stays
    /// small. The latencies are printed (figures, not assertions).
    /// </summary>
    [Fact]
    [Trait("Speed", "Slow")]
    public async Task Under_a_flood_of_wrong_tokens_the_owner_is_served_and_the_attacker_only_refused()
    {
        using var library = new TempDir("load-lib");
        using var data = new TempDir("load-data");
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), Path.Combine(library.Path, "bus.jpg"));
        using var app = await AppProcess.StartAsync(library.Path, data.Path);
        using var attacker = FromAddress(app.Url, IPAddress.Parse("127.0.0.2"));
        using var owner = FromAddress(app.Url, IPAddress.Loopback);
        owner.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer",
            ReviewApp.Token
        );
        var until = DateTime.UtcNow.AddSeconds(10);
        var attacks = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, double Ms)>();
        var served = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, double Ms)>();
        string[] ownerPaths =
        [
            "/api/status",
            "/api/people",
            "/api/search?object=bus",
            "/api/failed",
            "/api/faces/waiting",
        ];

        async Task Loop(
            HttpClient client,
            System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode, double)> into,
            Func<int, HttpRequestMessage> make
        )
        {
            for (var i = 0; DateTime.UtcNow < until; i++)
            {
                using var request = make(i);
                var stopwatch = System.Diagnostics.Stopwatch.StartNew();
                using var response = await client.SendAsync(request);
                into.Add((response.StatusCode, stopwatch.Elapsed.TotalMilliseconds));
            }
        }
        var loops = Enumerable
            .Range(0, 8)
            .Select(n => Loop(attacker, attacks, i =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, i % 2 == 0 ? "/api/status" : "/people");
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                        "Bearer",
                        $"guess-{n}-{i}"
                    );
                    return request;
                }))
            .Concat(
                Enumerable
                    .Range(0, 2)
                    .Select(n =>
                        Loop(owner, served, i => new HttpRequestMessage(
                            HttpMethod.Get,
                            ownerPaths[(n + i) % ownerPaths.Length]
                        ))
                    )
            );
        await Task.WhenAll(loops);

        Assert.All(served, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(attacks, r =>
            Assert.Contains(r.Status, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests })
        );
        Assert.True(
            attacks.Count(r => r.Status == HttpStatusCode.Unauthorized) <= 10 * 2,
            "more wrong tokens were tried than the limit lets through"
        );
        var logBytes = Directory.GetFiles(Path.Combine(data.Path, "logs")).Sum(f => new FileInfo(f).Length);
        Assert.True(logBytes < 64 * 1024, $"the log grew to {logBytes} bytes under the flood");
        Console.WriteLine(
            $"load: owner {served.Count} requests, 0 failed, p50 {Percentile(served, 0.50):F1} ms, p99 {Percentile(served, 0.99):F1} ms; "
                + $"attacker {attacks.Count} requests ({attacks.Count / 10.0:F0}/s), all refused, p99 {Percentile(attacks, 0.99):F1} ms; log {logBytes / 1024.0:F1} KB"
        );
    }

    [Fact]
    public async Task A_request_body_over_a_mebibyte_is_refused_before_it_is_read()
    {
        using var library = new TempDir("body-lib");
        using var data = new TempDir("body-data");
        using var app = await AppProcess.StartAsync(library.Path, data.Path);
        var ids = string.Join(",", Enumerable.Range(1, 300_000));
        using var huge = new StringContent(
            $"{{\"name\":\"big\",\"photo_ids\":[{ids}]}}",
            System.Text.Encoding.UTF8,
            "application/json"
        );
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Http.PostAsync("/api/albums", huge)).StatusCode);
        using var small = new StringContent("{\"name\":\"Holiday\"}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.Created, (await app.Http.PostAsync("/api/albums", small)).StatusCode);
    }

    private static double Percentile(IEnumerable<(HttpStatusCode Status, double Ms)> results, double p)
    {
        var sorted = results.Select(r => r.Ms).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

    /// <summary>A client whose connections come from <paramref name="local"/> (any 127.x address reaches
    /// loopback).</summary>
    private static HttpClient FromAddress(string url, IPAddress local) =>
        new(
            new SocketsHttpHandler
            {
                MaxConnectionsPerServer = 16,
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new System.Net.Sockets.Socket(
                        System.Net.Sockets.SocketType.Stream,
                        System.Net.Sockets.ProtocolType.Tcp
                    )
                    {
                        NoDelay = true,
                    };
                    try
                    {
                        socket.Bind(new IPEndPoint(local, 0));
                        await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            }
        )
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(30),
        };

    private static HttpClient Client(string url, CookieContainer? jar = null) =>
        new(new HttpClientHandler { CookieContainer = jar ?? new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(url),
        };

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
        var body =
            (fields.Length > 0 ? fields + "&" : "") + "__RequestVerificationToken=" + Uri.EscapeDataString(antiforgery);
        return await client.PostAsync(
            action,
            new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded")
        );
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
