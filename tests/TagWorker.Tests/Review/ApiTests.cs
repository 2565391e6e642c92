using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Review;

/// <summary>Every API endpoint through the real app: success, not found, bad input, unauthorised.</summary>
[Collection(nameof(Isolated))]
public sealed partial class ApiTests(ReviewFixture fixture) : IClassFixture<ReviewFixture>
{
    private readonly HttpClient _api = fixture.App.Api();

    private async Task<JsonElement> Get(string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await _api.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{url}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
    }

    /// <summary>The newest decision not undone yet (0: none): a test that borrows the shared library's faces undoes
    /// back to it.</summary>
    private async Task<long> LastDecisionAsync() =>
        (await Get("/api/decisions?size=200"))
            .GetProperty("items")
            .EnumerateArray()
            .Where(d => d.GetProperty("undone_at").ValueKind == JsonValueKind.Null)
            .Select(d => d.GetProperty("id").GetInt64())
            .FirstOrDefault();

    private async Task UndoBackToAsync(long decision)
    {
        while (await LastDecisionAsync() > decision)
        {
            await Post("/api/decisions/undo", null);
        }
    }

    private async Task<JsonElement> Post(string url, object? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await _api.PostAsJsonAsync(url, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{url}: {(int)response.StatusCode} {text}");
        if (expected >= HttpStatusCode.BadRequest)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }

    private async Task<long> LargestGroup()
    {
        // Tests share one library and name groups as they go: when the unnamed ones run out, a named person will do.
        var groups = (await Get("/api/groups?size=50"))
            .GetProperty("items")
            .EnumerateArray()
            .Concat((await Get("/api/people?size=50")).GetProperty("items").EnumerateArray());
        return groups.First(g => g.GetProperty("faces").GetInt64() >= 2).GetProperty("id").GetInt64();
    }

    [Theory]
    [InlineData("/api/status")]
    [InlineData("/api/people")]
    [InlineData("/api/groups")]
    [InlineData("/api/search?object=bus")]
    [InlineData("/api/albums")]
    [InlineData("/api/writeback/pending")]
    [InlineData("/api/writeback/holds")]
    [InlineData("/api/decisions/1/undo")]
    [InlineData("/api/faces/1/thumbnail")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/people")]
    public async Task Everything_but_healthz_needs_the_token(string url)
    {
        using var anonymous = fixture.App.Anonymous();
        var response = await anonymous.GetAsync(url);
        if (url.StartsWith("/api", StringComparison.Ordinal) || url.StartsWith("/openapi", StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }
        using var wrong = fixture.App.Anonymous();
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var doc = await Get("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (
            var path in new[]
            {
                "/api/people",
                "/api/groups",
                "/api/faces/accept",
                "/api/search",
                "/api/albums",
                "/api/writeback/approve",
                "/api/status",
            }
        )
        {
            Assert.Contains(path, paths);
        }

        // The errors are in the document too, as problem details: a client learns them from it.
        string[] Statuses(string path, string method) =>
            [
                .. doc.GetProperty("paths")
                    .GetProperty(path)
                    .GetProperty(method)
                    .GetProperty("responses")
                    .EnumerateObject()
                    .Select(r => r.Name),
            ];
        Assert.Equal(["200", "400", "401"], Statuses("/api/people", "get").Order());
        Assert.Equal(["200", "400", "401", "404"], Statuses("/api/people/{id}", "get").Order());
        Assert.Equal(["200", "400", "401", "404", "409"], Statuses("/api/people/{id}/name", "post").Order());
        Assert.Equal(["200", "400", "401", "409"], Statuses("/api/writeback/approve", "post").Order());
        var notFound = doc.GetProperty("paths")
            .GetProperty("/api/people/{id}")
            .GetProperty("get")
            .GetProperty("responses")
            .GetProperty("404");
        Assert.True(notFound.GetProperty("content").TryGetProperty("application/problem+json", out _));
    }

    [Fact]
    public async Task A_name_another_person_has_in_any_case_is_refused_with_that_person_so_the_client_can_offer_a_merge()
    {
        var groups = (await Get("/api/groups?size=50"))
            .GetProperty("items")
            .EnumerateArray()
            .Select(g => g.GetProperty("id").GetInt64())
            .Take(2)
            .ToArray();
        Assert.True(groups.Length == 2, "the shared library has at least two unnamed groups");
        await Post($"/api/people/{groups[0]}/name", new { name = "Rose Leslie" });

        var refused = await Post(
            $"/api/people/{groups[1]}/name",
            new { name = "  rose LESLIE " },
            HttpStatusCode.Conflict
        );

        Assert.Contains(
            $"person {groups[0]} is already called Rose Leslie",
            refused.GetProperty("detail").GetString(),
            StringComparison.Ordinal
        );
        Assert.Equal(JsonValueKind.Null, (await Get($"/api/people/{groups[1]}")).GetProperty("name").ValueKind);
        await Post($"/api/people/{groups[0]}/name", new { name = "rose leslie" }); // a person may change the case of its own name
        await Post("/api/decisions/undo", null);
        await Post("/api/decisions/undo", null);
    }

    [Fact]
    public async Task The_owner_chooses_the_face_a_person_is_shown_by_and_only_one_of_theirs()
    {
        var groups = (await Get("/api/groups?size=50"))
            .GetProperty("items")
            .EnumerateArray()
            .Where(g => g.GetProperty("faces").GetInt64() >= 2)
            .Select(g => g.GetProperty("id").GetInt64())
            .Take(2)
            .ToArray();
        var faces = (await Get($"/api/people/{groups[0]}/faces"))
            .GetProperty("items")
            .EnumerateArray()
            .Where(f => f.GetProperty("has_thumbnail").GetBoolean())
            .Select(f => f.GetProperty("id").GetInt64())
            .ToArray();
        var cover = (await Get($"/api/people/{groups[0]}")).GetProperty("cover_face_id").GetInt64();
        var chosen = faces.First(f => f != cover);

        await Post($"/api/people/{groups[0]}/cover", new { face_id = chosen });
        Assert.Equal(chosen, (await Get($"/api/people/{groups[0]}")).GetProperty("cover_face_id").GetInt64());

        var other = (await Get($"/api/people/{groups[1]}/faces")).GetProperty("items")[0].GetProperty("id").GetInt64();
        await Post($"/api/people/{groups[0]}/cover", new { face_id = other }, HttpStatusCode.BadRequest);
        await Post("/api/people/999999/cover", new { face_id = chosen }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_ignored_group_is_listed_and_can_be_shown_again()
    {
        var group = (await Get("/api/groups?size=50")).GetProperty("items")[0].GetProperty("id").GetInt64();
        await Post($"/api/people/{group}/ignore", null);
        Assert.Contains((await Get("/api/people/ignored")).GetProperty("items").EnumerateArray(), g =>
            g.GetProperty("id").GetInt64() == group
        );
        Assert.DoesNotContain((await Get("/api/groups?size=200")).GetProperty("items").EnumerateArray(), g =>
            g.GetProperty("id").GetInt64() == group
        );

        await Post($"/api/people/{group}/show-again", null);

        Assert.DoesNotContain((await Get("/api/people/ignored")).GetProperty("items").EnumerateArray(), g =>
            g.GetProperty("id").GetInt64() == group
        );
        Assert.Contains((await Get("/api/groups?size=200")).GetProperty("items").EnumerateArray(), g =>
            g.GetProperty("id").GetInt64() == group
        );
        Assert.StartsWith(
            "showed unnamed group",
            (await Get("/api/decisions")).GetProperty("items")[0].GetProperty("summary").GetString(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task The_queue_of_faces_in_no_group_lists_only_such_faces_questions_first()
    {
        var queue = await Get("/api/faces/waiting?size=200");
        var items = queue.GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(items); // the crowd's small faces form no group
        Assert.All(items, i =>
            Assert.Equal(JsonValueKind.Null, i.GetProperty("face").GetProperty("person_id").ValueKind)
        );
        var likely = items
            .Select(i =>
                i.GetProperty("closest") is { ValueKind: JsonValueKind.Object } c
                && c.GetProperty("likely").GetBoolean()
            )
            .ToList();
        Assert.Equal(likely.OrderByDescending(l => l), likely);
        Assert.Equal(items.Count, Math.Min(200, queue.GetProperty("total").GetInt32()));
        await Get("/api/faces/waiting?size=0", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Are_these_also_a_named_person_takes_the_yes_faces_and_never_asks_again_about_the_no_faces()
    {
        var waiting = (await Get("/api/faces/waiting?size=200"))
            .GetProperty("items")
            .EnumerateArray()
            .Select(i => i.GetProperty("face").GetProperty("id").GetInt64())
            .ToList();
        Assert.True(waiting.Count >= 2, $"the crowd leaves faces in no group ({waiting.Count})");
        var before = await LastDecisionAsync();
        // A person made from one face of the largest group (the other tests need the shared library's groups unnamed).
        var largest = (await Get("/api/groups?size=50")).GetProperty("items")[0].GetProperty("id").GetInt64();
        var face = (await Get($"/api/people/{largest}/faces")).GetProperty("items")[0].GetProperty("id").GetInt64();
        var group = (await Post("/api/faces/move", new { face_ids = new[] { face }, name = "Asked About" }))
            .GetProperty("id")
            .GetInt64();
        Assert.All((await Get($"/api/people/{group}/likely-faces")).EnumerateArray(), item =>
        {
            Assert.Equal(group, item.GetProperty("closest").GetProperty("person_id").GetInt64());
            Assert.True(item.GetProperty("closest").GetProperty("likely").GetBoolean());
        });

        await Post($"/api/people/{group}/likely-faces", new { yes = new[] { waiting[0] }, no = new[] { waiting[1] } });

        Assert.Equal(group, (await Get($"/api/faces/{waiting[0]}")).GetProperty("person_id").GetInt64());
        var queue = (await Get("/api/faces/waiting?size=200")).GetProperty("items").EnumerateArray().ToList();
        Assert.DoesNotContain(queue, i => i.GetProperty("face").GetProperty("id").GetInt64() == waiting[0]);
        var no = queue.Single(i => i.GetProperty("face").GetProperty("id").GetInt64() == waiting[1]);
        Assert.True(
            no.GetProperty("closest").ValueKind == JsonValueKind.Null
                || no.GetProperty("closest").GetProperty("person_id").GetInt64() != group
        );
        Assert.Equal(
            "said 1 face is not Asked About",
            (await Get("/api/decisions")).GetProperty("items")[0].GetProperty("summary").GetString()
        );
        await Post(
            $"/api/people/{group}/likely-faces",
            new { yes = new[] { waiting[1] }, no = new[] { waiting[1] } },
            HttpStatusCode.BadRequest
        );
        await Post($"/api/people/{group}/likely-faces", new { }, HttpStatusCode.BadRequest);
        await UndoBackToAsync(before);
    }

    [Fact]
    public async Task One_decision_from_the_history_is_undone_alone_or_after_confirmation_with_the_later_ones_that_depend_on_it()
    {
        var before = await LastDecisionAsync();
        var largest = (await Get("/api/groups?size=50")).GetProperty("items")[0].GetProperty("id").GetInt64();
        var faces = (await Get($"/api/people/{largest}/faces"))
            .GetProperty("items")
            .EnumerateArray()
            .Select(f => f.GetProperty("id").GetInt64())
            .ToList();
        var first = (await Post("/api/faces/move", new { face_ids = new[] { faces[0] }, name = "Undone Later" }))
            .GetProperty("id")
            .GetInt64();
        var made = await LastDecisionAsync();
        await Post("/api/faces/move", new { face_ids = new[] { faces[1] }, name = "Kept After" });
        var other = await LastDecisionAsync();
        await Post($"/api/people/{first}/hide", null); // depends on the first decision's person
        var hide = await LastDecisionAsync();

        var plan = (await Get($"/api/decisions/{made}/undo"))
            .EnumerateArray()
            .Select(d => d.GetProperty("id").GetInt64())
            .ToList();
        Assert.Equal([made, hide], plan);
        var refused = await Post($"/api/decisions/{made}/undo", null, HttpStatusCode.Conflict);
        Assert.Contains("1 later decision changed the same faces or people", refused.GetProperty("detail").GetString());

        Assert.Equal(
            2,
            (await Post($"/api/decisions/{made}/undo?withLater=true", null)).GetProperty("count").GetInt64()
        );
        Assert.Equal(largest, (await Get($"/api/faces/{faces[0]}")).GetProperty("person_id").GetInt64());
        Assert.Equal(
            JsonValueKind.Null,
            (await Get("/api/decisions?size=200"))
                .GetProperty("items")
                .EnumerateArray()
                .Single(d => d.GetProperty("id").GetInt64() == other)
                .GetProperty("undone_at")
                .ValueKind
        ); // the unrelated one stays
        Assert.NotEqual(largest, (await Get($"/api/faces/{faces[1]}")).GetProperty("person_id").GetInt64());

        await Post($"/api/decisions/{made}/undo", null, HttpStatusCode.Conflict); // undone already
        await Get("/api/decisions/999999/undo", HttpStatusCode.NotFound);
        Assert.Equal(1, (await Post($"/api/decisions/{other}/undo", null)).GetProperty("count").GetInt64());
        Assert.Equal(largest, (await Get($"/api/faces/{faces[1]}")).GetProperty("person_id").GetInt64());
        await UndoBackToAsync(before);
    }

    [Fact]
    public async Task A_hidden_person_leaves_the_People_list_only_and_comes_back_by_unhide_or_undo()
    {
        var before = await LastDecisionAsync();
        var largest = (await Get("/api/groups?size=50")).GetProperty("items")[0].GetProperty("id").GetInt64();
        var face = (await Get($"/api/people/{largest}/faces")).GetProperty("items")[0].GetProperty("id").GetInt64();
        var person = (await Post("/api/faces/move", new { face_ids = new[] { face }, name = "Kept Quiet" }))
            .GetProperty("id")
            .GetInt64();
        bool Listed(JsonElement page) =>
            page.GetProperty("items").EnumerateArray().Any(p => p.GetProperty("id").GetInt64() == person);

        await Post($"/api/people/{person}/hide", null);

        Assert.True((await Get($"/api/people/{person}")).GetProperty("hidden").GetBoolean());
        Assert.False(Listed(await Get("/api/people?hidden=false&size=200")));
        Assert.True(Listed(await Get("/api/people?hidden=true&size=200")));
        Assert.True(Listed(await Get("/api/people?size=200"))); // name pickers still know them
        Assert.Equal(
            "hid Kept Quiet from People",
            (await Get("/api/decisions")).GetProperty("items")[0].GetProperty("summary").GetString()
        );
        await Post("/api/decisions/undo", null);
        Assert.False((await Get($"/api/people/{person}")).GetProperty("hidden").GetBoolean());
        await Post($"/api/people/{person}/hide", null);
        await Post($"/api/people/{person}/unhide", null);
        Assert.True(Listed(await Get("/api/people?hidden=false&size=200")));
        await Post($"/api/people/{largest}/hide", null, HttpStatusCode.BadRequest); // an unnamed group is ignored instead
        await Post("/api/faces/bring-back", new { face_ids = new[] { face } }, HttpStatusCode.BadRequest); // it was never rejected
        await Post("/api/faces/reject", new { face_ids = new[] { face }, reason = "stranger" });
        await Post("/api/faces/bring-back", new { face_ids = new[] { face } });
        var back = await Get($"/api/faces/{face}");
        Assert.Equal(JsonValueKind.Null, back.GetProperty("rejected").ValueKind);
        // In no group, or already with the person it clearly is (the people service assigns at once after a decision).
        Assert.True(
            back.GetProperty("person_id").ValueKind == JsonValueKind.Null
                || back.GetProperty("assigned_by").GetString() == "auto",
            back.ToString()
        );
        await UndoBackToAsync(before);
    }

    [Fact]
    public async Task Groups_come_largest_first_and_naming_one_makes_a_person()
    {
        var groups = (await Get("/api/groups"))
            .GetProperty("items")
            .EnumerateArray()
            .Select(g => g.GetProperty("faces").GetInt64())
            .ToList();
        Assert.Equal(groups.OrderDescending(), groups);
        var before = await LastDecisionAsync();
        var group = await LargestGroup();
        const string name = "<img src=x onerror=alert(1)> \"Ann\" & Co"; // no '/': names never have one (PersonName)
        await Post($"/api/people/{group}/name", new { name });
        var person = await Get($"/api/people/{group}");
        Assert.Equal(name, person.GetProperty("name").GetString());
        var decision = (await Get("/api/decisions")).GetProperty("items")[0].GetProperty("summary").GetString()!;
        Assert.StartsWith($"named unnamed group {group}: {name} (", decision, StringComparison.Ordinal); // the history in words, with names
        var people = await Get($"/api/people?q={Uri.EscapeDataString("onerror")}");
        Assert.Contains(people.GetProperty("items").EnumerateArray(), p => p.GetProperty("id").GetInt64() == group);
        var faces = await Get($"/api/people/{group}/faces");
        Assert.All(faces.GetProperty("items").EnumerateArray(), f =>
            Assert.Equal("user", f.GetProperty("assigned_by").GetString())
        );

        await Post("/api/people/999999/name", new { name = "x" }, HttpStatusCode.NotFound);
        await Post($"/api/people/{group}/name", new { name = "  " }, HttpStatusCode.BadRequest);
        foreach (var split in new[] { "Mindy Kaling/Writer", "Jerry | Seinfeld", "O'Brien, Conan", "A\\B", "X; Y" })
        {
            await Post($"/api/people/{group}/name", new { name = split }, HttpStatusCode.BadRequest); // would split into a hierarchy or two keywords
        }
        await Post($"/api/people/{group}/name", new { name = new string('a', 201) }, HttpStatusCode.BadRequest);
        await Get("/api/people/999999", HttpStatusCode.NotFound);
        await Get("/api/people?page=0", HttpStatusCode.BadRequest);
        await Get("/api/people?page=2147483647&size=200", HttpStatusCode.BadRequest); // (page - 1) * size would wrap around
        await Get("/api/people?size=1000", HttpStatusCode.BadRequest);
        await UndoBackToAsync(before); // the group is unnamed again for the tests after this one
    }

    [Fact]
    public async Task Faces_can_be_accepted_rejected_moved_and_taken_out_and_the_last_decision_undone()
    {
        var group = await LargestGroup();
        var faces = (await Get($"/api/people/{group}/faces"))
            .GetProperty("items")
            .EnumerateArray()
            .Select(f => f.GetProperty("id").GetInt64())
            .ToArray();
        await Post("/api/faces/accept", new { face_ids = new[] { faces[0] } });
        Assert.Equal("user", (await Get($"/api/faces/{faces[0]}")).GetProperty("assigned_by").GetString());

        await Post("/api/faces/reject", new { face_ids = new[] { faces[1] }, reason = "stranger" });
        var rejected = await Get($"/api/faces/{faces[1]}");
        Assert.Equal("stranger", rejected.GetProperty("rejected").GetString());
        await Post("/api/decisions/undo", null);
        Assert.Equal(JsonValueKind.Null, (await Get($"/api/faces/{faces[1]}")).GetProperty("rejected").ValueKind);

        var moved = await Post("/api/faces/move", new { face_ids = new[] { faces[1] }, name = "Somebody Else" });
        var target = moved.GetProperty("id").GetInt64();
        Assert.Equal("Somebody Else", (await Get($"/api/people/{target}")).GetProperty("name").GetString());
        await Post($"/api/faces/{faces[1]}/not-this-person", null);
        Assert.Equal(JsonValueKind.Null, (await Get($"/api/faces/{faces[1]}")).GetProperty("person_id").ValueKind);

        await Post("/api/faces/accept", new { face_ids = Array.Empty<long>() }, HttpStatusCode.BadRequest);
        await Post("/api/faces/accept", new { face_ids = new[] { 999999L } }, HttpStatusCode.NotFound);
        await Post(
            "/api/faces/reject",
            new { face_ids = new[] { faces[0] }, reason = "ugly" },
            HttpStatusCode.BadRequest
        );
        await Post(
            "/api/faces/move",
            new { face_ids = new[] { faces[0] }, person_id = 999999 },
            HttpStatusCode.NotFound
        );
        await Post("/api/faces/999999/not-this-person", null, HttpStatusCode.NotFound);
        await Get("/api/faces/999999", HttpStatusCode.NotFound);
        var decisions = await Get("/api/decisions");
        Assert.True(decisions.GetProperty("total").GetInt64() >= 4);
    }

    [Fact]
    public async Task Images_are_served_by_database_id_only()
    {
        var group = await LargestGroup();
        var face = (await Get($"/api/people/{group}/faces")).GetProperty("items")[0];
        var response = await _api.GetAsync($"/api/faces/{face.GetProperty("id").GetInt64()}/thumbnail");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        var preview = await _api.GetAsync($"/api/photos/{face.GetProperty("photo_id").GetInt64()}/preview");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/api/faces/999999/thumbnail")).StatusCode);
        Assert.Equal(
            HttpStatusCode.NotFound,
            (await _api.GetAsync("/api/faces/..%2F..%2Fetc%2Fpasswd/thumbnail")).StatusCode
        );
        var photo = await Get($"/api/photos/{face.GetProperty("photo_id").GetInt64()}");
        Assert.NotEmpty(photo.GetProperty("paths").EnumerateArray());
        await Get("/api/photos/999999", HttpStatusCode.NotFound);

        // The large view: rendered from the photo's file (larger than the 640 px preview when the photo is), cached by
        // ETag.
        var photoId = photo.GetProperty("id").GetInt64();
        var view = await _api.GetAsync($"/api/photos/{photoId}/view");
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        Assert.Equal("image/jpeg", view.Content.Headers.ContentType?.MediaType);
        var jpeg = MetadataExtractor
            .ImageMetadataReader.ReadMetadata(new MemoryStream(await view.Content.ReadAsByteArrayAsync()))
            .OfType<MetadataExtractor.Formats.Jpeg.JpegDirectory>()
            .Single();
        var (width, height) = (photo.GetProperty("width").GetInt32(), photo.GetProperty("height").GetInt32());
        Assert.Equal(Math.Min(1600, Math.Max(width, height)), Math.Max(jpeg.GetImageWidth(), jpeg.GetImageHeight()));
        Assert.Equal(width >= height, jpeg.GetImageWidth() >= jpeg.GetImageHeight()); // turned upright like the preview
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/photos/{photoId}/view");
        again.Headers.TryAddWithoutValidation("If-None-Match", view.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, (await _api.SendAsync(again)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/api/photos/999999/view")).StatusCode);
    }

    [Fact]
    public async Task Search_finds_photos_by_people_object_folder_and_date()
    {
        var bus = await Get("/api/search?object=bus");
        Assert.Equal(1, bus.GetProperty("total").GetInt64());
        var folder = await Get("/api/search?folder=2024/trip");
        Assert.Equal(3, folder.GetProperty("total").GetInt64());
        Assert.All(folder.GetProperty("items").EnumerateArray(), p =>
            Assert.StartsWith("2024/trip/", p.GetProperty("path").GetString(), StringComparison.Ordinal)
        );
        Assert.Equal(0, (await Get("/api/search?folder=2024/tr%25")).GetProperty("total").GetInt64()); // % is literal

        var groups = (await Get("/api/groups?size=50"))
            .GetProperty("items")
            .EnumerateArray()
            .Concat((await Get("/api/people?size=50")).GetProperty("items").EnumerateArray())
            .Where(g => g.GetProperty("faces").GetInt64() >= 2)
            .Select(g => g.GetProperty("id").GetInt64())
            .Take(2)
            .ToArray();
        var any = (await Get($"/api/search?people={groups[0]},{groups[1]}&match=any")).GetProperty("total").GetInt64();
        var all = (await Get($"/api/search?people={groups[0]},{groups[1]}&match=all")).GetProperty("total").GetInt64();
        var first = (await Get($"/api/search?people={groups[0]}")).GetProperty("total").GetInt64();
        Assert.True(any >= first && first >= all && first >= 2, $"any {any}, first {first}, all {all}");

        var dated = await Get("/api/search?from=2008-01-01&to=2008-12-31"); // camera_canon_40d_small.jpg was taken 2008-05-30
        Assert.Equal(1, dated.GetProperty("total").GetInt64());
        await Get("/api/search?from=yesterday", HttpStatusCode.BadRequest);
        var backwards = await Get("/api/search?from=2008-12-31&to=2008-01-01", HttpStatusCode.BadRequest);
        Assert.Contains("is after to", backwards.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Get("/api/search?people=abc", HttpStatusCode.BadRequest);
        await Get("/api/search?people=1&match=some", HttpStatusCode.BadRequest);
        Assert.Contains((await Get("/api/labels")).EnumerateArray(), l => l.GetProperty("label").GetString() == "bus");
    }

    [Fact]
    public async Task Albums_are_created_filled_renamed_emptied_and_deleted()
    {
        var created = await Post(
            "/api/albums",
            new { name = "Trip <2024>", from_search = "folder=2024/trip" },
            HttpStatusCode.Created
        );
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal(3, created.GetProperty("photos").GetInt64());
        var photos = (await Get($"/api/albums/{id}/photos"))
            .GetProperty("items")
            .EnumerateArray()
            .Select(p => p.GetProperty("id").GetInt64())
            .ToArray();
        Assert.Equal(
            1,
            (await Post($"/api/albums/{id}/photos/remove", new { photo_ids = new[] { photos[0] } }))
                .GetProperty("count")
                .GetInt64()
        );
        Assert.Equal(
            1,
            (await Post($"/api/albums/{id}/photos", new { photo_ids = new[] { photos[0] } }))
                .GetProperty("count")
                .GetInt64()
        );
        var renamed = await _api.PatchAsJsonAsync($"/api/albums/{id}", new { name = "Trip" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Trip", (await Get($"/api/albums/{id}")).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/albums/{id}")).StatusCode);
        await Get($"/api/albums/{id}", HttpStatusCode.NotFound);
        await Post("/api/albums", new { name = "" }, HttpStatusCode.BadRequest);
        await Post("/api/albums/999999/photos", new { photo_ids = new[] { 1L } }, HttpStatusCode.NotFound);
        var other = (await Post("/api/albums", new { name = "Empty" }, HttpStatusCode.Created))
            .GetProperty("id")
            .GetInt64();
        await Post($"/api/albums/{other}/photos", new { photo_ids = new[] { 999999L } }, HttpStatusCode.NotFound);
        await Post($"/api/albums/{other}/photos", new { photo_ids = Array.Empty<long>() }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Write_back_shows_the_diff_writes_only_after_approval_and_undoes()
    {
        var group = await LargestGroup();
        await Post($"/api/people/{group}/name", new { name = "Writer Test" });
        var pending = await Get($"/api/writeback/pending?person={group}");
        var item = pending.GetProperty("items")[0];
        var path = item.GetProperty("photo").GetProperty("path").GetString()!;
        Assert.Contains(item.GetProperty("changes").EnumerateArray(), c =>
            c.GetProperty("after").GetString() == "Writer Test" && !c.GetProperty("approved").GetBoolean()
        );

        // One change dropped ("leave as is") leaves the list, is listed as held, and comes back when let go.
        var photoId = item.GetProperty("photo").GetProperty("id").GetInt64();
        var subject = $"person:{group}";
        await Post("/api/writeback/hold", new { photo_id = photoId, subject });
        Assert.DoesNotContain(
            (await Get($"/api/writeback/pending?person={group}&size=200")).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("photo").GetProperty("id").GetInt64() == photoId
        );
        var held = (await Get("/api/writeback/holds")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(
            ("Writer Test", path),
            (held.GetProperty("name").GetString(), held.GetProperty("path").GetString())
        );
        await Post("/api/writeback/hold", new { photo_id = photoId, subject }, HttpStatusCode.NotFound); // no longer pending
        await Post(
            "/api/writeback/hold",
            new { photo_id = photoId, subject = "person:999999" },
            HttpStatusCode.NotFound
        );
        await Post("/api/writeback/release", new { photo_id = photoId, subject });
        await Post("/api/writeback/release", new { photo_id = photoId, subject }, HttpStatusCode.NotFound);
        Assert.Contains(
            (await Get($"/api/writeback/pending?person={group}&size=200")).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("photo").GetProperty("id").GetInt64() == photoId
        );

        var notYet = await Post("/api/writeback/apply", null);
        Assert.DoesNotContain(notYet.GetProperty("files").EnumerateArray(), f =>
            f.GetProperty("path").GetString() == path
        );
        Assert.False(File.Exists(Path.Combine(fixture.Library, path + ".xmp")));

        await Post("/api/writeback/approve", new { }, HttpStatusCode.BadRequest);
        await Post("/api/writeback/approve", new { person_id = 999999 }, HttpStatusCode.NotFound);
        Assert.True(
            (await Post("/api/writeback/approve", new { person_id = group })).GetProperty("count").GetInt64() >= 1
        );
        await Post("/api/writeback/apply", null); // the approval also woke the background writer: either may have written it
        Assert.Contains(
            "Writer Test",
            File.ReadAllText(Path.Combine(fixture.Library, path + ".xmp")),
            StringComparison.Ordinal
        );

        var history = await Get("/api/writeback/history");
        var write = history.GetProperty("items").EnumerateArray().First(w => w.GetProperty("path").GetString() == path);
        await Post($"/api/writeback/history/{write.GetProperty("id").GetInt64()}/undo", null);
        Assert.False(File.Exists(Path.Combine(fixture.Library, path + ".xmp")));
        await Post("/api/writeback/history/999999/undo", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_name_another_program_removed_is_a_conflict_the_owner_settles()
    {
        var group = await LargestGroup();
        await Post($"/api/people/{group}/name", new { name = "Conflict Test" });
        await Post("/api/writeback/approve", new { person_id = group });
        await Post("/api/writeback/apply", null);
        var pending = await Get("/api/writeback/history");
        var path = pending
            .GetProperty("items")
            .EnumerateArray()
            .First(w => w.GetProperty("added").ToString().Contains("Conflict Test", StringComparison.Ordinal))
            .GetProperty("path")
            .GetString()!;
        var sidecar = Path.Combine(fixture.Library, path + ".xmp");
        // Another program (exiftool here, as digiKam or darktable would) takes the name out of two of the lists.
        Assert.Equal(
            0,
            Shell
                .Run(
                    "exiftool",
                    "-q",
                    "-overwrite_original",
                    "-XMP-lr:HierarchicalSubject-=People|Conflict Test",
                    "-XMP-dc:Subject-=Conflict Test",
                    sidecar
                )
                .ExitCode
        );

        Assert.True((await Post("/api/writeback/audit", null)).GetProperty("count").GetInt64() >= 1);
        var conflict = (await Get("/api/writeback/conflicts"))
            .EnumerateArray()
            .Single(c => c.GetProperty("target").GetString() == path + ".xmp");
        Assert.Contains(conflict.GetProperty("missing").EnumerateArray(), m =>
            m.GetString() == "Conflict Test (dc:subject, lr:hierarchicalSubject)"
        );
        var id = conflict.GetProperty("id").GetInt64();
        await Post($"/api/writeback/conflicts/{id}/settle", new { resolution = "mine" }, HttpStatusCode.BadRequest);
        await Post($"/api/writeback/conflicts/{id}/settle", new { resolution = "ours" });
        await Post($"/api/writeback/conflicts/{id}/settle", new { resolution = "ours" }, HttpStatusCode.NotFound);
        await Post("/api/writeback/apply", null); // (or the background writer, woken by the settlement)
        var names = Shell.Run("exiftool", "-s3", "-sep", "|", "-XMP-dc:Subject", sidecar).Output;
        Assert.Contains("Conflict Test", names, StringComparison.Ordinal);
        Assert.DoesNotContain((await Get("/api/writeback/conflicts")).EnumerateArray(), c =>
            c.GetProperty("target").GetString() == path + ".xmp"
        );
        File.Delete(sidecar); // the other tests of this library expect photos without sidecars
    }

    [Fact]
    public async Task Failed_files_are_listed_and_can_be_retried()
    {
        Assert.Equal(0, (await Get("/api/failed")).GetProperty("total").GetInt64());
        var reconciler = fixture.App.Services.GetRequiredService<TagWorker.Library.Reconciler>();
        var path = Path.Combine(fixture.Library, "later.jpg");
        File.WriteAllBytes(path, []); // a photo still being copied by hand, saved empty
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        await reconciler.RunAsync(null, CancellationToken.None);

        var item = Assert.Single((await Get("/api/failed")).GetProperty("items").EnumerateArray());
        Assert.Equal(
            ("file", "later.jpg"),
            (item.GetProperty("kind").GetString(), item.GetProperty("path").GetString())
        );
        Assert.Contains("empty file", item.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The owner copies it again and retries (the watcher, off here, would look at once; the next pass reads it).
        File.Copy(Path.Combine(Repo.Photos, "bus.jpg"), path, overwrite: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        await Post($"/api/failed/file/{item.GetProperty("id").GetInt64()}/retry", null);
        await reconciler.RunAsync(null, CancellationToken.None);
        Assert.Equal(0, (await Get("/api/failed")).GetProperty("total").GetInt64());

        File.Delete(path); // the shared library as it was
        await reconciler.RunAsync(null, CancellationToken.None);
        await Post("/api/failed/photo/999999/retry", null, HttpStatusCode.NotFound);
        await Post("/api/failed/other/1/retry", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_site_logs_in_with_the_token_escapes_names_and_needs_antiforgery()
    {
        using var browser = fixture.App.Anonymous(cookies: true);
        var loginResponse = await browser.GetAsync("/login");
        Assert.True(
            loginResponse.StatusCode == HttpStatusCode.OK,
            $"{loginResponse.StatusCode} {loginResponse.Headers.Location}"
        );
        var login = await loginResponse.Content.ReadAsStringAsync();
        var antiforgery = AntiforgeryField().Match(login).Groups[1].Value;
        var wrong = await browser.PostAsync(
            "/login",
            new FormUrlEncodedContent(
                new Dictionary<string, string> { ["token"] = "wrong", ["__RequestVerificationToken"] = antiforgery }
            )
        );
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var right = await browser.PostAsync(
            "/login",
            new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["token"] = ReviewApp.Token,
                    ["__RequestVerificationToken"] = antiforgery,
                }
            )
        );
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        var cookie = right
            .Headers.GetValues("Set-Cookie")
            .First(c => c.StartsWith("tagworker=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        var before = await LastDecisionAsync();
        var group = await LargestGroup();
        await Post($"/api/people/{group}/name", new { name = "<script>alert(1)> O'Hara" });
        var pageResponse = await browser.GetAsync($"/person/{group}");
        Assert.True(
            pageResponse.StatusCode == HttpStatusCode.OK,
            $"{pageResponse.StatusCode} {pageResponse.Headers.Location}"
        );
        var page = await pageResponse.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>alert(1)>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&gt;", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/people")).StatusCode);

        // The cookie alone cannot change anything: forms and API calls need the antiforgery token.
        var form = await browser.PostAsync(
            $"/person/{group}?handler=Name",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "Mallory" })
        );
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        var api = await browser.PostAsJsonAsync($"/api/people/{group}/name", new { name = "Mallory" });
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.NotEqual("Mallory", (await Get($"/api/people/{group}")).GetProperty("name").GetString());
        await UndoBackToAsync(before);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
