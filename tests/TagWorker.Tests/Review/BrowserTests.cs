using System.Text.Json;
using Microsoft.Playwright;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>
/// The review site in a real headless Chromium (Debian's, driven by Playwright), against the real app process
/// on a library from ../shared/testdata. Screenshots of every page go to artifacts/screenshots.
/// </summary>
[Collection(nameof(Isolated))]
public sealed class BrowserTests
{
    private static readonly string Screenshots = Path.Combine(Repo.Root, "artifacts", "screenshots");

    [Fact]
    public async Task Log_in_name_a_group_reject_a_face_search_by_the_name_and_approve_its_write_back()
    {
        using var library = new TempDir("e2e-lib");
        using var data = new TempDir("e2e-data");
        foreach (var photo in new[] { "obama_1.jpg", "obama_2.jpg", "group_obama_biden.jpg", "biden_1.jpg", "biden_2.jpg", "bus.jpg" })
        {
            File.Copy(Path.Combine(Repo.Photos, photo), library.Combine(photo));
            File.SetLastWriteTimeUtc(library.Combine(photo), DateTime.UtcNow.AddHours(-1));
        }
        using var app = await AppProcess.StartAsync(library.Path, data.Path, new Dictionary<string, string?>
        {
            ["TagWorker__Faces__RegroupEveryPhotos"] = "1",
            ["TagWorker__Faces__RegroupMinMinutes"] = "0",
        });
        await app.WaitUntilAsync(async () =>
        {
            var groups = JsonDocument.Parse(await app.Http.GetStringAsync("/api/groups")).RootElement;
            var status = JsonDocument.Parse(await app.Http.GetStringAsync("/api/status")).RootElement;
            return status.GetProperty("counts").GetProperty("photos").GetProperty("pending").GetInt32() == 0
                && groups.GetProperty("items").EnumerateArray().Any(g => g.GetProperty("faces").GetInt32() >= 3);
        }, TimeSpan.FromSeconds(180));
        Directory.CreateDirectory(Screenshots);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = app.Url, ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });

        await page.GotoAsync("/groups");
        Assert.EndsWith("/login?ReturnUrl=%2Fgroups", page.Url, StringComparison.Ordinal);
        await Shot(page, "01-login");
        await page.FillAsync("#token", ReviewApp.Token);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/groups");
        await Shot(page, "02-groups");

        var group = page.Locator("[data-group]").First;
        var groupId = await group.GetAttributeAsync("data-group");
        await group.Locator("input[name=name]").FillAsync("Alice <Example>");
        await group.Locator("button:has-text('Name')").ClickAsync();
        await page.WaitForSelectorAsync(".flash");
        Assert.Contains("Named the group Alice <Example>", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);

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
        await page.ClickAsync("button:has-text('Approve this person everywhere')");
        await page.WaitForSelectorAsync(".flash");
        await page.ClickAsync("button:has-text('Write approved now')");
        await page.WaitForSelectorAsync(".flash");
        await app.WaitUntilAsync(() => Task.FromResult(Directory.GetFiles(library.Path, "*.xmp").Any(f => File.ReadAllText(f).Contains("Alice &lt;Example&gt;", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30));
        await page.GotoAsync("/writeback");
        Assert.Contains("done", await page.InnerTextAsync("body"), StringComparison.Ordinal);
        await Shot(page, "06-writeback-history");

        // Another program takes the name out of one sidecar: the owner sees it and chooses.
        var sidecar = Directory.GetFiles(library.Path, "*.xmp").First(f => File.ReadAllText(f).Contains("Alice &lt;Example&gt;", StringComparison.Ordinal));
        Assert.Equal(0, Shell.Run("exiftool", "-q", "-overwrite_original", "-XMP-dc:Subject-=Alice <Example>", "-XMP-lr:HierarchicalSubject-=People|Alice <Example>", sidecar).ExitCode);
        await page.ClickAsync("button:has-text('Write approved now')"); // looks for other programs' changes first
        await page.WaitForSelectorAsync("#conflicts");
        Assert.Contains("Alice <Example>", await page.InnerTextAsync("table.conflicts"), StringComparison.Ordinal);
        await Shot(page, "06b-writeback-conflict");
        await page.SetViewportSizeAsync(390, 844);
        await Shot(page, "06c-writeback-conflict-phone");
        var settle = page.Locator("table.conflicts button:has-text('Write ours again')");
        Assert.True((await settle.BoundingBoxAsync())!.X + (await settle.BoundingBoxAsync())!.Width <= 390, "the button is on the phone's screen");
        await settle.ClickAsync();
        await page.WaitForSelectorAsync(".flash");
        await app.WaitUntilAsync(() => Task.FromResult(Shell.Run("exiftool", "-s3", "-XMP-dc:Subject", sidecar).Output.Contains("Alice <Example>", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60));
        await page.SetViewportSizeAsync(1200, 900);

        await page.GotoAsync("/");
        await Shot(page, "07-dashboard");
        await page.GotoAsync($"/search?people={groupId}");
        await page.Locator(".photos a").First.ClickAsync();
        await page.WaitForSelectorAsync(".photo-view svg");
        Assert.Contains("Alice <Example>", await page.InnerTextAsync("table"), StringComparison.Ordinal);
        await Shot(page, "08-photo");
    }

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
}
