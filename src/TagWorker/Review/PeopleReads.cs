using Microsoft.Data.Sqlite;
using TagWorker.Faces;
using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>What the site and the API read about people, groups, faces and the decisions about them, one page at a time.</summary>
public sealed class PeopleReads(Database database, ProfileCache profiles, Grouping grouping)
{
    private const string Hidden = "(SELECT ph.hidden FROM people ph WHERE ph.id = p.id)";

    // The face the owner chose, while it is still theirs; else the largest confirmed face.
    private const string CoverFace = """
        coalesce((SELECT cf.id FROM faces cf WHERE cf.id = (SELECT pc.cover_face_id FROM people pc WHERE pc.id = p.id)
                    AND cf.person_id = p.id AND cf.rejected IS NULL AND cf.thumbnail IS NOT NULL),
                 (SELECT cf.id FROM faces cf WHERE cf.person_id = p.id AND cf.rejected IS NULL AND cf.thumbnail IS NOT NULL
                  ORDER BY cf.assigned_by = 'user' DESC, cf.size_px DESC LIMIT 1))
        """;

    // A person p with their faces and photos counted, as ReadPeople reads them.
    private const string PersonColumns = $"""
        p.id, p.name, p.ignored,
            (SELECT count(*) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL),
            (SELECT count(DISTINCT f.photo_id) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL), {CoverFace}, {Hidden}
        """;

    /// <param name="hidden">Only the hidden (true) or the listed (false) people; null: all (name pickers).</param>
    public Paged<PersonSummary> People(string? query, int? page, int? size, bool? hidden = null)
    {
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var filter =
            "pe.name IS NOT NULL AND ($q IS NULL OR pe.name LIKE '%' || $q || '%' ESCAPE '\\') AND ($h IS NULL OR pe.hidden = $h)";
        var like = string.IsNullOrWhiteSpace(query) ? null : SqliteExtensions.EscapeLike(query.Trim());
        (string, object?) hiddenParameter = (
            "$h",
            hidden is null ? null
            : hidden.Value ? 1
            : 0
        );
        var total = (long)
            connection.Scalar($"SELECT count(*) FROM people pe WHERE {filter}", null, ("$q", like), hiddenParameter)!;
        var items = ReadPeople(
            connection,
            $"""
            SELECT {PersonColumns}
            FROM (SELECT pe.* FROM people pe WHERE {filter} ORDER BY pe.name COLLATE NOCASE, pe.id LIMIT $limit OFFSET $offset) p
            ORDER BY p.name COLLATE NOCASE, p.id
            """,
            ("$q", like),
            hiddenParameter,
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<PersonSummary>(items, p, s, total);
    }

    /// <summary>Unnamed, not ignored groups, largest first, each with its suggestions.</summary>
    public Paged<GroupSummary> Groups(int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var total = CountGroups(connection);
        var groups = ReadPeople(
            connection,
            $"""
            SELECT p.id, p.name, p.ignored, p.faces, 0, {CoverFace}, {Hidden}
            FROM (SELECT pe.id, pe.name, pe.ignored, count(f.id) AS faces FROM people pe
                  JOIN faces f ON f.person_id = pe.id AND f.rejected IS NULL
                  WHERE pe.name IS NULL AND pe.ignored = 0 GROUP BY pe.id ORDER BY faces DESC, pe.id LIMIT $limit OFFSET $offset) p
            ORDER BY p.faces DESC, p.id
            """,
            ("$limit", s),
            ("$offset", offset)
        );
        var items = groups
            .Select(g => new GroupSummary(g.Id, g.Faces, g.CoverFaceId, profiles.Suggest(g.Id)))
            .ToArray();
        return new Paged<GroupSummary>(items, p, s, total);
    }

    public PersonSummary Person(long id)
    {
        using var connection = database.Open();
        return ReadPeople(
                connection,
                $"""
                SELECT {PersonColumns} FROM people p WHERE p.id = $id
                """,
                ("$id", id)
            )
            .FirstOrDefault()
            ?? throw ReviewException.NotFound($"person {id}");
    }

    /// <summary>A person's faces, the ones not yet confirmed first.</summary>
    public Paged<FaceItem> FacesOf(long personId, int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        Person(personId);
        using var connection = database.Open();
        var total = (long)
            connection.Scalar(
                "SELECT count(*) FROM faces WHERE person_id = $p AND rejected IS NULL",
                null,
                ("$p", personId)
            )!;
        var items = ReadFaces(
            connection,
            """
            WHERE f.person_id = $p AND f.rejected IS NULL
            ORDER BY f.assigned_by = 'user', f.confidence DESC, f.id LIMIT $limit OFFSET $offset
            """,
            ("$p", personId),
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<FaceItem>(items, p, s, total);
    }

    /// <summary>Ignored groups, largest first: the owner can show them again.</summary>
    public Paged<PersonSummary> Ignored(int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM people WHERE ignored = 1")!;
        var items = ReadPeople(
            connection,
            $"""
            SELECT p.id, p.name, p.ignored, p.faces, 0, {CoverFace}, {Hidden}
            FROM (SELECT pe.id, pe.name, pe.ignored, count(f.id) AS faces FROM people pe
                  LEFT JOIN faces f ON f.person_id = pe.id AND f.rejected IS NULL
                  WHERE pe.ignored = 1 GROUP BY pe.id ORDER BY faces DESC, pe.id LIMIT $limit OFFSET $offset) p
            ORDER BY p.faces DESC, p.id
            """,
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<PersonSummary>(items, p, s, total);
    }

    /// <summary>How many unnamed groups are offered (the dashboard's count; the list itself ranks them by
    /// size).</summary>
    public long GroupCount()
    {
        using var connection = database.Open();
        return CountGroups(connection);
    }

    private static long CountGroups(SqliteConnection connection) =>
        (long)connection.Scalar("SELECT count(*) FROM people WHERE name IS NULL AND ignored = 0")!;

    /// <summary>The queue of faces in no group: most like a named person first.</summary>
    public Paged<WaitingFace> WaitingFaces(int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        var queue = profiles.WaitingFaces();
        return new Paged<WaitingFace>(StillWaiting(queue.Skip(offset).Take(s)), p, s, queue.Count);
    }

    /// <summary>"Are these also {name}?": faces in no group that are likely this person, most alike first.</summary>
    public IReadOnlyList<WaitingFace> LikelyFacesOf(long personId, int count)
    {
        if (Person(personId).Name is null)
        {
            return []; // a question about an unnamed group is a merge, asked on the groups page
        }
        return StillWaiting(
            profiles
                .WaitingFaces()
                .Where(q => q.Closest is { Likely: true } c && c.PersonId == personId)
                .Take(Math.Clamp(count, 1, Paging.MaxPageSize))
        );
    }

    private WaitingFace[] StillWaiting(IEnumerable<(long FaceId, Suggestion? Closest)> queued)
    {
        var slice = queued.ToArray();
        using var connection = database.Open();
        var faces = ReadFaces(
                connection,
                "WHERE f.id IN (SELECT value FROM json_each($ids))",
                ("$ids", System.Text.Json.JsonSerializer.Serialize(slice.Select(q => q.FaceId)))
            )
            .ToDictionary(f => f.Id);
        // The queue is kept up to 30 s: a face the worker placed meanwhile is left out, not shown in no group.
        return slice
            .Where(q => faces.TryGetValue(q.FaceId, out var f) && f.PersonId is null && f.Rejected is null)
            .Select(q => new WaitingFace(faces[q.FaceId], q.Closest))
            .ToArray();
    }

    public FaceItem Face(long id)
    {
        using var connection = database.Open();
        return ReadFaces(connection, "WHERE f.id = $id", ("$id", id)).FirstOrDefault()
            ?? throw ReviewException.NotFound($"face {id}");
    }

    public Paged<DecisionItem> Decisions(int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM decisions")!;
        var items = connection.Rows(
            "SELECT id, kind, summary, created_at, undone_at FROM decisions ORDER BY id DESC LIMIT $limit OFFSET $offset",
            r => new DecisionItem(
                r.GetInt64(0),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                r.GetNullableString(4)
            ),
            null,
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<DecisionItem>(items, p, s, total);
    }

    /// <summary>The given decisions, oldest first (the ones an undo would take with it).</summary>
    public IReadOnlyList<DecisionItem> DecisionsById(IReadOnlyList<long> ids)
    {
        using var connection = database.Open();
        return
        [
            .. ids.Order()
                .SelectMany(id =>
                    connection.Rows(
                        "SELECT id, kind, summary, created_at, undone_at FROM decisions WHERE id = $id",
                        r => new DecisionItem(
                            r.GetInt64(0),
                            r.GetString(1),
                            r.GetString(2),
                            r.GetString(3),
                            r.GetNullableString(4)
                        ),
                        null,
                        ("$id", id)
                    )
                ),
        ];
    }

    private static List<PersonSummary> ReadPeople(
        SqliteConnection connection,
        string sql,
        params (string, object?)[] parameters
    ) =>
        connection.Rows(
            sql,
            r => new PersonSummary(
                r.GetInt64(0),
                r.GetNullableString(1),
                r.GetInt64(3),
                r.GetInt64(4),
                r.GetNullableInt64(5),
                r.GetInt64(2) != 0,
                r.GetInt64(6) != 0
            ),
            null,
            parameters
        );

    internal static List<FaceItem> ReadFaces(
        SqliteConnection connection,
        string tail,
        params (string, object?)[] parameters
    ) =>
        connection.Rows(
            $"""
            SELECT f.id, f.photo_id, f.person_id, pe.name, f.confidence, f.size_px, f.assigned_by, f.rejected, f.x, f.y, f.w, f.h, f.thumbnail IS NOT NULL
            FROM faces f LEFT JOIN people pe ON pe.id = f.person_id {tail}
            """,
            r => new FaceItem(
                r.GetInt64(0),
                r.GetInt64(1),
                r.GetNullableInt64(2),
                r.GetNullableString(3),
                Math.Round(r.GetDouble(4), 3),
                Math.Round(r.GetDouble(5), 1),
                r.GetNullableString(6),
                r.GetNullableString(7),
                r.GetDouble(8),
                r.GetDouble(9),
                r.GetDouble(10),
                r.GetDouble(11),
                r.GetBoolean(12)
            ),
            null,
            parameters
        );

    /// <summary>The faces and people most like a face, most alike first.</summary>
    public (IReadOnlyList<SimilarFace> Faces, IReadOnlyList<SimilarPerson> People) Similar(long faceId, int limit)
    {
        Face(faceId);
        using var connection = database.Open();
        var embedding = SimilarFaces.EmbeddingOf(connection, faceId)
            ?? throw ReviewException.Invalid($"face {faceId} is too small to compare (it has no embedding)");
        return SimilarFaces.Find(
            connection,
            grouping.Embedder,
            embedding,
            Math.Clamp(limit, 1, Paging.MaxPageSize),
            faceId
        );
    }
}
