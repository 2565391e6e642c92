using System.Text.Json;
using Microsoft.Playwright;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>
/// The review site in a real headless Chromium (Debian's, driven by Playwright), against the real app process
/// on a library from ../shared/testdata. Screenshots of every page go to artifacts/screenshots.
/// </summary>
[Collection(nameof(Isolated))]
public sealed partial class BrowserTests
{
    private static readonly string Screenshots = Path.Combine(Repo.Root, "artifacts", "screenshots");

    [Fact]
    public async Task Log_in_name_a_group_reject_a_face_search_by_the_name_and_approve_its_write_back()
    {
        using var library = new TempDir("e2e-lib");
        using var data = new TempDir("e2e-data");
        using var app = await StartAsync(library, data);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await NewPageAsync(browser, app, 1200, 900);
        await LogInAsync(page, "/groups");
        await Shot(page, "02-groups");

        var group = page.Locator("[data-group]").First;
        var groupId = await group.GetAttributeAsync("data-group");
        await group.Locator("input[name=name]").FillAsync("Alice <Example>");
        await group.Locator("button:has-text('Name')").ClickAsync();
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains(
            "Saved the name Alice <Example>",
            await page.InnerTextAsync(".flash"),
            StringComparison.Ordinal
        );

        await page.GotoAsync($"/person/{groupId}");
        Assert.Contains("Alice <Example>", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
        var faces = await page.Locator("[data-face]").CountAsync();
        await page.Locator("[data-face] input[type=checkbox]").Last.CheckAsync();
        await page.ClickAsync("button[data-key=reject]");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("Rejected 1 faces", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);
        Assert.Equal(faces - 1, await page.Locator("[data-face]").CountAsync());
        await Shot(page, "03-person");

        await page.GotoAsync("/search");
        await page.SelectOptionAsync("select[name=people]", [groupId!]);
        await page.ClickAsync("form[role=search] button[type=submit]");
        await page.WaitForSelectorAsync(".photos");
        Assert.True(await page.Locator(".photos a").CountAsync() >= 2);
        await Shot(page, "04-search");

        await page.GotoAsync($"/writeback?person={groupId}");
        await Shot(page, "05-writeback-pending");
        // One photo's change is dropped ("leave as is"): approving the person everywhere and writing leaves that photo
        // alone.
        var heldPhoto = await page.Locator("tr[data-photo]").First.GetAttributeAsync("data-photo");
        await page.Locator("tr[data-photo]").First.Locator("button[aria-label^='leave as is: Alice']").ClickAsync();
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("Left as it is", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($"tr[data-photo='{heldPhoto}']").CountAsync());
        Assert.Contains("Alice <Example>", await page.InnerTextAsync("table.held"), StringComparison.Ordinal);
        await Shot(page, "05b-writeback-left-as-is");
        await page.ClickAsync("button:has-text('Approve this person everywhere')");
        await page.WaitForSelectorAsync(".flash");
        await page.ClickAsync("button:has-text('Write approved now')");
        await page.WaitForSelectorAsync(".flash");
        await app.WaitUntilAsync(
            () =>
                Task.FromResult(
                    Directory
                        .GetFiles(library.Path, "*.xmp")
                        .Any(f => File.ReadAllText(f).Contains("Alice &lt;Example&gt;", StringComparison.Ordinal))
                ),
            TimeSpan.FromSeconds(30)
        );
        var heldPath = JsonDocument
            .Parse(await app.Http.GetStringAsync($"/api/photos/{heldPhoto}"))
            .RootElement.GetProperty("paths")[0]
            .GetString()!;
        var heldSidecar = library.Combine(heldPath + ".xmp");
        Assert.False(
            File.Exists(heldSidecar) && File.ReadAllText(heldSidecar).Contains("Alice", StringComparison.Ordinal),
            $"{heldPath} was left as it is"
        );
        await page.ClickAsync("table.held button:has-text('Write it after all')");
        await page.WaitForSelectorAsync(".flash");
        Assert.Equal(1, await page.Locator($"tr[data-photo='{heldPhoto}']").CountAsync()); // back on the list, not approved
        await page.GotoAsync("/writeback");
        Assert.Contains("written", await page.InnerTextAsync("tr[data-write]"), StringComparison.Ordinal);
        await Shot(page, "06-writeback-history");

        // Another program takes the name out of one sidecar: the owner sees it and chooses.
        var sidecar = Directory
            .GetFiles(library.Path, "*.xmp")
            .First(f => File.ReadAllText(f).Contains("Alice &lt;Example&gt;", StringComparison.Ordinal));
        Assert.Equal(
            0,
            Shell
                .Run(
                    "exiftool",
                    "-q",
                    "-overwrite_original",
                    "-XMP-dc:Subject-=Alice <Example>",
                    "-XMP-lr:HierarchicalSubject-=People|Alice <Example>",
                    sidecar
                )
                .ExitCode
        );
        await page.ClickAsync("button:has-text('Write approved now')"); // looks for other programs' changes first
        await page.WaitForSelectorAsync("#conflicts");
        Assert.Contains("Alice <Example>", await page.InnerTextAsync("table.conflicts"), StringComparison.Ordinal);
        await Shot(page, "06b-writeback-conflict");
        await page.SetViewportSizeAsync(390, 844);
        await Shot(page, "06c-writeback-conflict-phone");
        var settle = page.Locator("table.conflicts button:has-text('Write ours again')");
        Assert.True(
            (await settle.BoundingBoxAsync())!.X + (await settle.BoundingBoxAsync())!.Width <= 390,
            "the button is on the phone's screen"
        );
        await settle.ClickAsync();
        await page.WaitForSelectorAsync(".flash");
        await app.WaitUntilAsync(
            () =>
                Task.FromResult(
                    Shell
                        .Run("exiftool", "-s3", "-XMP-dc:Subject", sidecar)
                        .Output.Contains("Alice <Example>", StringComparison.Ordinal)
                ),
            TimeSpan.FromSeconds(60)
        );
        await page.SetViewportSizeAsync(1200, 900);

        await page.GotoAsync("/");
        await Shot(page, "07-dashboard");
        await page.GotoAsync($"/search?people={groupId}");
        await page.Locator(".photos a").First.ClickAsync();
        await page.WaitForSelectorAsync(".photo-view svg");
        Assert.Contains("Alice <Example>", await page.InnerTextAsync("table"), StringComparison.Ordinal);
        await Shot(page, "08-photo");
        // A laptop's browser takes the large view (rendered from the photo), not the 640 px preview.
        await page.WaitForFunctionAsync("document.querySelector('.photo-view img').complete");
        Assert.Contains(
            "/view",
            await page.EvalOnSelectorAsync<string>(".photo-view img", "img => img.currentSrc"),
            StringComparison.Ordinal
        );

        // ← and → step through the library (once the page's script listens: under load the key can come first).
        await page.WaitForLoadStateAsync(LoadState.Load);
        var here = page.Url;
        var key = await page.Locator("a[rel=next]").CountAsync() > 0 ? "ArrowRight" : "ArrowLeft";
        await StepAsync(page, key, url => url != here && url.Contains("/photo/", StringComparison.Ordinal));
        await StepAsync(page, key == "ArrowRight" ? "ArrowLeft" : "ArrowRight", url => url == here);

        // A photo of strangers (the bus): its row lights its box, "Select the unnamed" marks them on the photo, one
        // click clears them.
        await page.GotoAsync("/search?object=bus");
        await page.Locator(".photos a").First.ClickAsync();
        await page.WaitForSelectorAsync(".photo-view svg");
        var unnamed = await page.Locator("tr[data-unnamed=true]").CountAsync();
        Assert.True(unnamed >= 2, $"the bus photo has {unnamed} unnamed faces");
        await page.Locator("tr[data-unnamed=true]").First.HoverAsync();
        Assert.Equal(1, await page.Locator("rect.face.lit").CountAsync());
        await page.ClickAsync("button:has-text('Select the unnamed')");
        Assert.Equal(unnamed, await page.Locator("tr[data-face] input[type=checkbox]:checked").CountAsync());
        await page.WaitForFunctionAsync($"document.querySelectorAll('rect.face.picked').length === {unnamed}"); // marked by the page's script
        await Shot(page, "09-photo-crowd-selected");
        await page.ClickAsync("button:has-text('Strangers')");
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains(
            $"Marked {unnamed} faces as strangers",
            await page.InnerTextAsync(".flash"),
            StringComparison.Ordinal
        );
        Assert.Equal(0, await page.Locator("tr[data-unnamed=true]").CountAsync());
        await page.Locator("button:has-text('undo: it is a face')").First.ClickAsync();
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("The face is back", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("tr[data-unnamed=true]").CountAsync());
    }

    [Fact]
    public async Task A_name_in_use_asks_whether_it_is_the_same_person_faces_in_no_group_are_assigned_and_errors_are_pages()
    {
        using var library = new TempDir("e2e-lib2");
        using var data = new TempDir("e2e-data2");
        using var app = await StartAsync(library, data);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        foreach (var (width, height, size) in new[] { (1440, 900, "laptop"), (390, 844, "phone") })
        {
            var page = await NewPageAsync(browser, app, width, height);
            await LogInAsync(page, "/groups");
            await Shot(page, $"10-groups-{size}");
            AssertWithinWidth(
                page,
                width,
                await page.Locator("[data-group] input[name=name]").First.BoundingBoxAsync()
            );

            var groups = page.Locator("[data-group]");
            if (size == "laptop")
            {
                var (first, second) = (
                    await groups.Nth(0).GetAttributeAsync("data-group"),
                    await groups.Nth(1).GetAttributeAsync("data-group")
                );
                await groups.Nth(0).Locator("input[name=name]").FillAsync("Sam Carter");
                await groups.Nth(0).Locator("button:has-text('Name')").ClickAsync();
                await page.WaitForSelectorAsync(".flash");

                // The same name in another case: not a second Sam Carter, but Immich's question.
                await page.Locator($"[data-group='{second}'] input[name=name]").FillAsync("sam carter");
                await page.Locator($"[data-group='{second}'] button:has-text('Name')").ClickAsync();
                await page.WaitForURLAsync($"**/merge?from={second}&into={first}");
                Assert.Contains(
                    "Sam Carter exists already",
                    await page.InnerTextAsync(".flash"),
                    StringComparison.Ordinal
                );
                Assert.Equal(2, await page.Locator(".compare section").CountAsync());
                await Shot(page, "11-merge-question-laptop");
                await page.ClickAsync("text=No, go back");
                await page.WaitForURLAsync($"**/person/{second}");
                Assert.Contains("Unnamed group", await page.InnerTextAsync("h1"), StringComparison.Ordinal);

                // Took a face out of Sam Carter: it waits in no group, and is put with a new name from the queue.
                await page.GotoAsync($"/person/{first}");
                var face = await page.Locator("[data-face]").First.GetAttributeAsync("data-face");
                await page.Locator($"[data-face='{face}'] input[type=checkbox]").CheckAsync();
                await page.ClickAsync("button:has-text('Not this person')");
                await page.WaitForSelectorAsync(".flash");
                await page.GotoAsync("/waiting");
                await Shot(page, "12-waiting-laptop");
                await page.Locator($"[data-face='{face}'] input[type=checkbox]").CheckAsync();
                await page.FillAsync("input[name=moveTo]", "Jack O'Neill");
                await page.ClickAsync("button:has-text('Put with name')");
                await page.WaitForSelectorAsync(".flash");
                Assert.Contains("with Jack O'Neill", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);
                Assert.Equal(0, await page.Locator($"[data-face='{face}']").CountAsync());

                // History: undoing the naming of Sam Carter, three decisions back, asks first, since the two after it
                // moved one of his faces; then all three are undone and the group is unnamed again.
                await page.GotoAsync("/decisions");
                await page.Locator("tr:has-text(': Sam Carter') button:has-text('Undo')").ClickAsync();
                await page.WaitForSelectorAsync("#confirm-title");
                Assert.Equal(2, await page.Locator("section.notice li").CountAsync());
                await Shot(page, "15-history-undo-question-laptop");
                await page.ClickAsync("button:has-text('Undo all 3')");
                await page.WaitForSelectorAsync(".flash");
                Assert.Contains("Undid 3 decisions", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);
                Assert.Equal(3, await page.Locator("td:has-text('undone')").CountAsync());
                await page.GotoAsync($"/person/{first}");
                Assert.Contains("Unnamed group", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
            }
            else
            {
                await page.GotoAsync("/waiting");
                await Shot(page, "12-waiting-phone");
                var menu = await page.Locator("header").BoundingBoxAsync();
                Assert.True(menu!.Height < 80, $"the menu takes {menu.Height} px of the phone's screen");
                var person = await FirstPersonAsync(app);
                await page.GotoAsync($"/person/{person}");
                await Shot(page, "13-person-phone");
                await page.GotoAsync("/decisions");
                await Shot(page, "15-history-phone");
                AssertWithinWidth(page, width, await page.Locator("table.history").BoundingBoxAsync());
                await page.GotoAsync($"/merge?from={person}&into={person}");
                Assert.Contains(
                    "cannot be merged into itself",
                    await page.InnerTextAsync("body"),
                    StringComparison.Ordinal
                );
            }

            // Errors a person can meet are pages in the site's style, not JSON.
            var missing = await page.GotoAsync("/person/999999");
            Assert.Equal(404, missing!.Status);
            Assert.StartsWith("text/html", missing.Headers["content-type"], StringComparison.Ordinal);
            Assert.Contains("Not found", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
            await Shot(page, $"14-not-found-{size}");

            // Log out ends the session: the site asks for the token again.
            await page.GotoAsync("/people");
            await page.ClickAsync("header button:has-text('Log out')");
            await page.WaitForURLAsync("**/login");
            await page.GotoAsync("/people");
            Assert.Contains("/login", page.Url, StringComparison.Ordinal);
            await page.CloseAsync();
        }

        // Too many wrong logins: a page that says to wait, not raw JSON.
        using var anonymous = new HttpClient { BaseAddress = new Uri(app.Url) };
        HttpResponseMessage? last = null;
        for (var i = 0; i < 12; i++)
        {
            last = await anonymous.PostAsync("/login", new FormUrlEncodedContent([new("token", "wrong")]));
        }
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.Equal("text/html", last.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Wait a minute", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_page_passes_axe_core_without_serious_or_critical_findings_in_light_and_dark_at_both_sizes()
    {
        using var library = new TempDir("e2e-lib3");
        using var data = new TempDir("e2e-data3");
        using var app = await StartAsync(library, data);
        var person = await FirstPersonAsync(app);
        var photo = JsonDocument
            .Parse(await app.Http.GetStringAsync("/api/search?object=bus"))
            .RootElement.GetProperty("items")[0]
            .GetProperty("id")
            .GetInt64();
        var face = JsonDocument
            .Parse(await app.Http.GetStringAsync($"/api/people/{person}/faces"))
            .RootElement.GetProperty("items")[0]
            .GetProperty("id")
            .GetInt64();
        string[] pages =
        [
            "/",
            "/people",
            "/people?hidden=true",
            "/groups",
            "/waiting",
            $"/person/{person}",
            $"/photo/{photo}",
            $"/similar/{face}",
            "/search?object=bus",
            "/albums",
            "/writeback",
            "/failed",
            "/decisions",
            "/logout",
            $"/merge?from={person}&into={person}",
            "/no-such-page",
        ];
        var axe = Path.Combine(Repo.Root, "tests", "web", "node_modules", "axe-core", "axe.min.js");
        Assert.True(File.Exists(axe), "scripts/setup --test installs axe-core");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var findings = new List<string>();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            foreach (var (width, height) in new[] { (1440, 900), (390, 844) })
            {
                var page = await NewPageAsync(browser, app, width, height, scheme);
                await LogInAsync(page, "/people");
                foreach (var url in pages.Append("/login"))
                {
                    if (url == "/login")
                    {
                        await page.GotoAsync("/people");
                        await page.ClickAsync("header button:has-text('Log out')");
                        await page.WaitForURLAsync("**/login");
                    }
                    else
                    {
                        await page.GotoAsync(url);
                    }
                    // The page's CSP allows only its own scripts: axe goes in through the test's own channel, not a
                    // <script> tag.
                    await page.EvaluateAsync(await File.ReadAllTextAsync(axe));
                    var result = await page.EvaluateAsync<JsonElement>(
                        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
                            + ".filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
                    );
                    findings.AddRange(
                        result.EnumerateArray().Select(v => $"{scheme} {width}px {url}: {v.GetString()}")
                    );
                }
                await page.CloseAsync();
            }
        }
        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    private static async Task<long> FirstPersonAsync(AppProcess app)
    {
        var groups = JsonDocument.Parse(await app.Http.GetStringAsync("/api/groups")).RootElement.GetProperty("items");
        var people = JsonDocument.Parse(await app.Http.GetStringAsync("/api/people")).RootElement.GetProperty("items");
        return (groups.GetArrayLength() > 0 ? groups : people)[0].GetProperty("id").GetInt64();
    }

    /// <summary>
    /// Presses an arrow key on the photo page and waits for the step it takes (committed: the next page's HTML, not its
    /// images). Once more if nothing happened within 10 s: on a loaded machine the key can reach the page before its
    /// script listens (seen once in CI); a step that never comes still fails.
    /// </summary>
    private static async Task StepAsync(IPage page, string key, Func<string, bool> arrived)
    {
        await page.EvaluateAsync("() => document.activeElement?.blur()"); // arrows are not taken while typing
        for (var attempt = 1; ; attempt++)
        {
            await page.Keyboard.PressAsync(key);
            try
            {
                await page.WaitForURLAsync(
                    arrived,
                    new PageWaitForURLOptions
                    {
                        WaitUntil = WaitUntilState.Commit,
                        Timeout = attempt == 1 ? 10_000 : 30_000,
                    }
                );
                break;
            }
            catch (TimeoutException) when (attempt == 1) { }
        }
        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    private static void AssertWithinWidth(IPage page, int width, LocatorBoundingBoxResult? box) =>
        Assert.True(
            box is not null && box.X >= 0 && box.X + box.Width <= width,
            $"{page.Url}: {box?.X}+{box?.Width} is not within {width} px"
        );

    private static async Task<AppProcess> StartAsync(TempDir library, TempDir data)
    {
        foreach (
            var photo in new[]
            {
                "obama_1.jpg",
                "obama_2.jpg",
                "group_obama_biden.jpg",
                "biden_1.jpg",
                "biden_2.jpg",
                "bus.jpg",
            }
        )
        {
            File.Copy(Path.Combine(Repo.Photos, photo), library.Combine(photo));
        }
        return await StartGroupedAsync(library, data, groups: 2, facesEach: 2, TimeSpan.FromSeconds(180));
    }

    /// <summary>
    /// Starts serve on a library whose files are an hour old (settled), regrouping after every photo, and waits until
    /// every photo is analysed and at least <paramref name="groups"/> groups of <paramref name="facesEach"/> faces or
    /// more have formed.
    /// </summary>
    private static async Task<AppProcess> StartGroupedAsync(
        TempDir library,
        TempDir data,
        int groups,
        int facesEach,
        TimeSpan within
    )
    {
        foreach (var file in Directory.GetFiles(library.Path))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
        }
        var app = await AppProcess.StartAsync(
            library.Path,
            data.Path,
            new Dictionary<string, string?>
            {
                ["TagWorker__Faces__RegroupEveryPhotos"] = "1",
                ["TagWorker__Faces__RegroupMinMinutes"] = "0",
            }
        );
        await app.WaitUntilAsync(
            async () =>
            {
                var formed = JsonDocument.Parse(await app.Http.GetStringAsync("/api/groups")).RootElement;
                var status = JsonDocument.Parse(await app.Http.GetStringAsync("/api/status")).RootElement;
                return status.GetProperty("counts").GetProperty("photos").GetProperty("pending").GetInt32() == 0
                    && formed
                        .GetProperty("items")
                        .EnumerateArray()
                        .Count(g => g.GetProperty("faces").GetInt32() >= facesEach) >= groups;
            },
            within
        );
        Directory.CreateDirectory(Screenshots);
        return app;
    }

    private static Task<IPage> NewPageAsync(
        IBrowser browser,
        AppProcess app,
        int width,
        int height,
        ColorScheme? scheme = null
    ) =>
        browser.NewPageAsync(
            new BrowserNewPageOptions
            {
                BaseURL = app.Url,
                ViewportSize = new ViewportSize { Width = width, Height = height },
                ColorScheme = scheme,
            }
        );

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args =
                [
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            }
        );

    private static async Task LogInAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        Assert.EndsWith("/login?ReturnUrl=" + Uri.EscapeDataString(path), page.Url, StringComparison.Ordinal);
        await Shot(page, "01-login");
        await page.FillAsync("#token", ReviewApp.Token);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**" + path);
    }

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(
            new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true }
        );
}
