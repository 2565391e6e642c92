using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>
/// The owner's whole job in Chromium, counted: name five people, answer the queue of faces in no group, approve and
/// write, undo a decision from the history. Clicks and keystrokes are what a person would do (the login is not
/// counted); the figures go to artifacts/owner-job.txt.
/// </summary>
public sealed partial class BrowserTests
{
    private static readonly string[] Identities =
    [
        "lfw_tony_blair",
        "lfw_nicole_kidman",
        "lfw_venus_williams",
        "lfw_meryl_streep",
        "lfw_jackie_chan",
    ];

    /// <summary>Counts what the owner does: every click, every key.</summary>
    private sealed class Owner(IPage page)
    {
        public int Clicks { get; private set; }
        public int Keys { get; private set; }

        public async Task Click(ILocator target)
        {
            await target.ClickAsync();
            Clicks++;
        }

        public Task Click(string selector) => Click(page.Locator(selector));

        public async Task Go(string label) =>
            await Click(page.Locator("header nav").GetByRole(AriaRole.Link, new() { Name = label, Exact = true }));

        public async Task Type(string text)
        {
            await page.Keyboard.TypeAsync(text);
            Keys += text.Length;
        }

        public async Task Press(string key)
        {
            await page.Keyboard.PressAsync(key);
            Keys++;
        }
    }

    [Fact]
    public async Task The_owners_whole_job_names_five_people_clears_the_queue_writes_and_undoes_in_few_clicks_on_a_laptop_and_a_phone()
    {
        using var library = new TempDir("job-lib");
        using var data = new TempDir("job-data");
        var labels = File.ReadAllLines(Path.Combine(Repo.Shared, "testdata", "faces-lfw", "labels.csv"))
            .Skip(1)
            .Select(l => l.Split(','))
            .Where(l => Identities.Contains(l[1]))
            .GroupBy(l => l[1])
            .SelectMany(g => g.Take(5))
            .ToDictionary(l => l[0], l => l[1]);
        foreach (var file in labels.Keys)
        {
            File.Copy(Path.Combine(Repo.Shared, "testdata", "faces-lfw", "images", file), library.Combine(file));
        }
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), library.Combine("bus.jpg")); // strangers
        using var app = await StartGroupedAsync(
            library,
            data,
            groups: Identities.Length,
            facesEach: 3,
            TimeSpan.FromSeconds(240)
        );
        var report = new List<string>();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        foreach (var (width, height, size) in new[] { (1440, 900, "laptop"), (390, 844, "phone") })
        {
            var page = await NewPageAsync(browser, app, width, height);
            await LogInAsync(page, "/");
            var owner = new Owner(page);
            if (size == "phone")
            {
                // The laptop did the job; on the phone the owner names what arrived since (the same library) and checks
                // the pages.
                await owner.Go("Unnamed groups");
                await Shot(page, "20-job-groups-phone");
                await owner.Go("Write-back");
                await Shot(page, "24-job-writeback-phone");
                await owner.Go("History");
                await Shot(page, "25-job-history-phone");
                AssertWithinWidth(page, width, await page.Locator("table.history").BoundingBoxAsync());
                report.Add($"phone: {owner.Clicks} clicks to look at the groups, write-back and history pages");
                await page.CloseAsync();
                continue;
            }

            // 1. Name five groups: a click into the first name field, then only the keyboard (the next card's field has
            // the focus).
            await owner.Go("Unnamed groups");
            await Shot(page, "20-job-groups-laptop");
            await owner.Click(page.Locator("[data-group] input[name=name]").First);
            var named = new Dictionary<string, string>();
            for (var i = 0; i < Identities.Length; i++)
            {
                var group = await page.EvaluateAsync<string>(
                    "document.activeElement.closest('[data-group]').dataset.group"
                );
                var name = Name(await IdentityOfAsync(app, labels, group));
                await owner.Type(name);
                await owner.Press("Enter");
                await page.WaitForSelectorAsync(".flash");
                Assert.Contains(
                    $"Saved the name {name}",
                    await page.InnerTextAsync(".flash"),
                    StringComparison.Ordinal
                );
                named[name] = group;
                if (i < Identities.Length - 1)
                {
                    await page.WaitForFunctionAsync("document.activeElement && document.activeElement.name === 'name'");
                }
            }
            Assert.Equal(Identities.Select(Name).Order(), named.Keys.Order()); // each group is one person: five different names
            var afterNames = (owner.Clicks, owner.Keys);

            // 2. The queue of faces in no group: "Is this …?" where it is asked; faces of the people just named are put
            // with them (ticked, then the name typed once per person); the rest are strangers.
            await owner.Go("Faces in no group");
            await Shot(page, "21-job-waiting-laptop");
            while (await page.Locator("button.ask").CountAsync() > 0)
            {
                await owner.Click(page.Locator("button.ask").First);
                await page.WaitForSelectorAsync(".flash");
            }
            var waiting = new List<(string Face, string Name)>();
            foreach (
                var face in await page.Locator("[data-face]")
                    .EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.face)")
            )
            {
                var photo = JsonDocument
                    .Parse(await app.Http.GetStringAsync($"/api/faces/{face}"))
                    .RootElement.GetProperty("photo_id")
                    .GetInt64();
                var path = JsonDocument
                    .Parse(await app.Http.GetStringAsync($"/api/photos/{photo}"))
                    .RootElement.GetProperty("paths")[0]
                    .GetString()!;
                if (labels.TryGetValue(Path.GetFileName(path), out var identity) && named.ContainsKey(Name(identity)))
                {
                    waiting.Add((face, Name(identity)));
                }
            }
            foreach (var person in waiting.GroupBy(w => w.Name))
            {
                foreach (var (face, _) in person)
                {
                    await owner.Click(page.Locator($"[data-face='{face}'] input[type=checkbox]"));
                }
                await owner.Click("input[name=moveTo]");
                await owner.Type(person.Key);
                await owner.Click("button:has-text('Put with name')");
                await page.WaitForSelectorAsync(".flash");
                Assert.Contains($"with {person.Key}", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);
            }
            if (await page.Locator("[data-face]").CountAsync() > 0)
            {
                await owner.Click("button:has-text('Select all')");
                await owner.Click("button:has-text('Stranger')");
                await page.WaitForSelectorAsync(".flash");
            }
            Assert.Equal(0, await page.Locator("[data-face]").CountAsync());
            var afterQueue = (owner.Clicks, owner.Keys);

            // 3. Approve the names and write them.
            await owner.Go("Write-back");
            await Shot(page, "22-job-writeback-laptop");
            await owner.Click("button:has-text('Approve names only')");
            await page.WaitForSelectorAsync(".flash");
            await owner.Click("button:has-text('Write approved now')");
            await page.WaitForSelectorAsync(".flash");
            Assert.Contains(" files written, ", await page.InnerTextAsync(".flash"), StringComparison.Ordinal);
            var sidecars = Directory.GetFiles(library.Path, "*.xmp").Select(File.ReadAllText).ToList();
            foreach (var name in named.Keys)
            {
                Assert.Contains(sidecars, x => x.Contains(name, StringComparison.Ordinal));
            }
            var afterWrite = (owner.Clicks, owner.Keys);

            // 4. Undo: one naming from the history (the queue's answers that depend on it go too, after the question).
            await owner.Go("History");
            var undoName = named.Keys.First();
            await owner.Click(page.Locator($"tr:has-text(': {undoName} (') button:has-text('Undo')"));
            if (await page.Locator("#confirm-title").CountAsync() > 0)
            {
                await Shot(page, "23-job-history-question-laptop");
                await owner.Click(page.Locator("section.notice button"));
            }
            await page.WaitForSelectorAsync(".flash");
            var group0 = JsonDocument
                .Parse(await app.Http.GetStringAsync($"/api/people/{named[undoName]}"))
                .RootElement;
            Assert.Equal(JsonValueKind.Null, group0.GetProperty("name").ValueKind);
            report.Add(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"laptop: name 5 people {afterNames.Clicks} clicks + {afterNames.Keys} keys; queue of faces in no group {afterQueue.Clicks - afterNames.Clicks} clicks; "
                        + $"approve and write {afterWrite.Clicks - afterQueue.Clicks} clicks; undo a naming {owner.Clicks - afterWrite.Clicks} clicks; "
                        + $"whole job {owner.Clicks} clicks, {owner.Keys} keystrokes ({named.Keys.Sum(n => n.Length)} for the five names; "
                        + $"{waiting.Count} faces in no group were of named people)"
                )
            );
            Assert.True(owner.Clicks <= 20 + (2 * waiting.Count), report[^1]);
            await page.CloseAsync();
        }
        await File.WriteAllLinesAsync(Path.Combine(Repo.Root, "artifacts", "owner-job.txt"), report);
    }

    private static string Name(string identity) =>
        CultureInfo.InvariantCulture.TextInfo.ToTitleCase(identity["lfw_".Length..].Replace('_', ' '));

    /// <summary>Whom a group shows, by the labels of its faces' photos (the owner knows them by sight).</summary>
    private static async Task<string> IdentityOfAsync(AppProcess app, Dictionary<string, string> labels, string group)
    {
        var faces = JsonDocument
            .Parse(await app.Http.GetStringAsync($"/api/people/{group}/faces?size=200"))
            .RootElement.GetProperty("items");
        var who = new List<string>();
        foreach (var face in faces.EnumerateArray())
        {
            var photo = JsonDocument
                .Parse(await app.Http.GetStringAsync($"/api/photos/{face.GetProperty("photo_id").GetInt64()}"))
                .RootElement;
            who.Add(labels.GetValueOrDefault(Path.GetFileName(photo.GetProperty("paths")[0].GetString()!), "stranger"));
        }
        return who.GroupBy(w => w).OrderByDescending(g => g.Count()).First().Key;
    }
}
