using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Faces;
using TagWorker.Storage;
using TagWorker.WriteBack;

namespace TagWorker.Review;

/// <summary>Everything the review site and the API read, straight from the database, one page at a time.</summary>
public sealed class ReviewStore(Database database, ProfileCache profiles, IOptions<WriteBackOptions> writeBack)
{
    public const int DefaultPageSize = 60;
    public const int MaxPageSize = 200;

    // The face the owner chose, while it is still theirs; else the largest confirmed face.
    private const string Hidden = "(SELECT ph.hidden FROM people ph WHERE ph.id = p.id)";

    private const string CoverFace = """
        coalesce((SELECT cf.id FROM faces cf WHERE cf.id = (SELECT pc.cover_face_id FROM people pc WHERE pc.id = p.id)
                    AND cf.person_id = p.id AND cf.rejected IS NULL AND cf.thumbnail IS NOT NULL),
                 (SELECT cf.id FROM faces cf WHERE cf.person_id = p.id AND cf.rejected IS NULL AND cf.thumbnail IS NOT NULL
                  ORDER BY cf.assigned_by = 'user' DESC, cf.size_px DESC LIMIT 1))
        """;

    private const string FirstPath =
        "(SELECT min(fi.path) FROM files fi WHERE fi.photo_id = ph.id AND fi.state = 'present')";

    public SqliteConnection Open() => database.Open();

    public static (int Page, int Size, int Offset) Paging(int? page, int? size)
    {
        var p = page ?? 1;
        var s = size ?? DefaultPageSize;
        if (p < 1 || s < 1 || s > MaxPageSize || (long)(p - 1) * s > int.MaxValue)
        {
            throw ReviewException.Invalid(
                $"page must be 1 or more (and not absurdly large) and size between 1 and {MaxPageSize}"
            );
        }
        return (p, s, (p - 1) * s);
    }

    /// <param name="hidden">Only the hidden (true) or the listed (false) people; null: all (name pickers).</param>
    public Paged<PersonSummary> People(string? query, int? page, int? size, bool? hidden = null)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var filter =
            "pe.name IS NOT NULL AND ($q IS NULL OR pe.name LIKE '%' || $q || '%' ESCAPE '\\') AND ($h IS NULL OR pe.hidden = $h)";
        var like = string.IsNullOrWhiteSpace(query) ? null : EscapeLike(query.Trim());
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
            SELECT p.id, p.name, p.ignored,
                (SELECT count(*) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL),
                (SELECT count(DISTINCT f.photo_id) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL), {CoverFace}, {Hidden}
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
        var (p, s, offset) = Paging(page, size);
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
                SELECT p.id, p.name, p.ignored,
                    (SELECT count(*) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL),
                    (SELECT count(DISTINCT f.photo_id) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL), {CoverFace}, {Hidden}
                FROM people p WHERE p.id = $id
                """,
                ("$id", id)
            )
            .FirstOrDefault()
            ?? throw ReviewException.NotFound($"person {id}");
    }

    /// <summary>A person's faces, the ones not yet confirmed first.</summary>
    public Paged<FaceItem> FacesOf(long personId, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
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

    /// <summary>The photos before and after this one in the library (by id: the order they were found in), for stepping
    /// through.</summary>
    public (long? Previous, long? Next) Neighbours(long photoId)
    {
        using var connection = database.Open();
        return (
            connection.Scalar(
                "SELECT max(id) FROM photos WHERE id < $id AND removed_at IS NULL",
                null,
                ("$id", photoId)
            ) as long?,
            connection.Scalar(
                "SELECT min(id) FROM photos WHERE id > $id AND removed_at IS NULL",
                null,
                ("$id", photoId)
            ) as long?
        );
    }

    /// <summary>Ignored groups, largest first: the owner can show them again.</summary>
    public Paged<PersonSummary> Ignored(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
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

    /// <summary>Photos still waiting for analysis (their faces are not grouped yet).</summary>
    public long PendingPhotos()
    {
        using var connection = database.Open();
        return (long)connection.Scalar("SELECT count(*) FROM photos WHERE state = 'pending' AND removed_at IS NULL")!;
    }

    /// <summary>The queue of faces in no group: most like a named person first.</summary>
    public Paged<WaitingFace> WaitingFaces(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
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
                .Take(Math.Clamp(count, 1, MaxPageSize))
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

    public PhotoDetail Photo(long id)
    {
        using var connection = database.Open();
        var photo = connection.Rows(
            """
            SELECT ph.state, ph.error, ph.width, ph.height, ph.orientation, ph.taken_at, ph.preview IS NOT NULL
            FROM photos ph WHERE ph.id = $id AND ph.removed_at IS NULL
            """,
            r =>
                (
                    State: r.GetString(0),
                    Error: r.GetNullableString(1),
                    Width: (int?)r.GetNullableInt64(2),
                    Height: (int?)r.GetNullableInt64(3),
                    Orientation: (int?)r.GetNullableInt64(4),
                    TakenAt: r.GetNullableString(5),
                    HasPreview: r.GetBoolean(6)
                ),
            null,
            ("$id", id)
        );
        if (photo.Count == 0)
        {
            throw ReviewException.NotFound($"photo {id}");
        }
        var p = photo[0];
        var paths = connection.Rows(
            "SELECT path FROM files WHERE photo_id = $id AND state = 'present' ORDER BY path",
            r => r.GetString(0),
            null,
            ("$id", id)
        );
        var faces = ReadFaces(connection, "WHERE f.photo_id = $id ORDER BY f.x", ("$id", id));
        var objects = connection.Rows(
            "SELECT id, label, confidence, x, y, w, h FROM objects WHERE photo_id = $id ORDER BY confidence DESC",
            r => new ObjectItem(
                r.GetInt64(0),
                r.GetString(1),
                Math.Round(r.GetDouble(2), 3),
                r.GetDouble(3),
                r.GetDouble(4),
                r.GetDouble(5),
                r.GetDouble(6)
            ),
            null,
            ("$id", id)
        );
        var written = connection.Rows(
            "SELECT subject, value FROM written WHERE photo_id = $id ORDER BY subject",
            r => new WrittenValue(r.GetString(0), r.GetString(1)),
            null,
            ("$id", id)
        );
        var pending = Changes.Pending(connection, writeBack.Value, photoId: id);
        return new PhotoDetail(
            id,
            p.State,
            p.Error,
            paths,
            p.Width,
            p.Height,
            p.Orientation,
            p.TakenAt,
            p.HasPreview,
            faces,
            objects,
            written,
            pending
        );
    }

    public Paged<PhotoSummary> Search(SearchQuery query, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        var where = new List<string> { "ph.removed_at IS NULL" };
        var parameters = new List<(string, object?)>();
        if (query.People.Count > 0)
        {
            var names = query
                .People.Select(
                    (id, i) =>
                    {
                        parameters.Add(($"$person{i}", id));
                        return $"$person{i}";
                    }
                )
                .ToArray();
            var people =
                $"SELECT photo_id FROM faces WHERE person_id IN ({string.Join(", ", names)}) AND rejected IS NULL";
            where.Add(
                query.AllPeople && query.People.Count > 1
                    ? $"ph.id IN ({people} GROUP BY photo_id HAVING count(DISTINCT person_id) = {query.People.Distinct().Count()})"
                    : $"ph.id IN ({people})"
            );
        }
        if (!string.IsNullOrWhiteSpace(query.Label))
        {
            where.Add("ph.id IN (SELECT photo_id FROM objects WHERE label = $label)");
            parameters.Add(("$label", query.Label.Trim()));
        }
        if (query.From is { } from)
        {
            where.Add("ph.taken_at >= $from");
            parameters.Add(("$from", from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        }
        if (query.To is { } to)
        {
            where.Add("ph.taken_at < $to");
            parameters.Add(("$to", to.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        }
        if (!string.IsNullOrWhiteSpace(query.Folder))
        {
            var folder = query.Folder.Trim().Replace('\\', '/').Trim('/');
            where.Add(
                "ph.id IN (SELECT photo_id FROM files WHERE state = 'present' AND path LIKE $folder ESCAPE '\\')"
            );
            parameters.Add(("$folder", EscapeLike(folder) + "/%"));
        }
        var filter = string.Join(" AND ", where);
        using var connection = database.Open();
        var total = (long)connection.Scalar($"SELECT count(*) FROM photos ph WHERE {filter}", null, [.. parameters])!;
        var items = ReadPhotos(
            connection,
            $"WHERE {filter} ORDER BY coalesce(ph.taken_at, ph.created_at) DESC, ph.id DESC LIMIT $limit OFFSET $offset",
            [.. parameters, ("$limit", s), ("$offset", offset)]
        );
        return new Paged<PhotoSummary>(items, p, s, total);
    }

    /// <summary>All photo ids a search finds (for "make an album from these results"), up to <paramref
    /// name="limit"/>.</summary>
    public IReadOnlyList<long> SearchIds(SearchQuery query, int limit = 10_000) =>
        Enumerable
            .Range(1, (limit + MaxPageSize - 1) / MaxPageSize)
            .Select(page => Search(query, page, MaxPageSize).Items)
            .TakeWhile(items => items.Count > 0)
            .SelectMany(items => items)
            .Select(photo => photo.Id)
            .Take(limit)
            .ToArray();

    public IReadOnlyList<LabelCount> Labels()
    {
        using var connection = database.Open();
        return connection.Rows(
            "SELECT label, count(DISTINCT photo_id) FROM objects GROUP BY label ORDER BY 2 DESC, label",
            r => new LabelCount(r.GetString(0), r.GetInt64(1))
        );
    }

    /// <summary>Photos that could not be analysed and files that could not be read, newest first.</summary>
    public Paged<FailedItem> Failed(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        const string union = $"""
            SELECT 'photo' AS kind, ph.id AS id, coalesce({FirstPath}, '') AS path, coalesce(ph.error, '') AS reason, ph.updated_at AS at
            FROM photos ph WHERE ph.state = 'failed' AND ph.removed_at IS NULL
            UNION ALL
            SELECT 'file', fi.id, fi.path, coalesce(fi.error, ''), fi.seen_at FROM files fi WHERE fi.state = 'failed'
            UNION ALL
            SELECT 'write', wf.id, wf.target, 'could not write: ' || wf.reason, wf.last_at FROM write_failures wf
            UNION ALL
            SELECT 'folder', ff.id, ff.path || '/', 'folder cannot be read: ' || ff.reason, ff.seen_at FROM folder_failures ff
            """;
        var total = (long)connection.Scalar($"SELECT count(*) FROM ({union})")!;
        var items = connection.Rows(
            $"SELECT kind, id, path, reason, at FROM ({union}) ORDER BY at DESC, id DESC LIMIT $limit OFFSET $offset",
            r => new FailedItem(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4)),
            null,
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<FailedItem>(items, p, s, total);
    }

    public Paged<DecisionItem> Decisions(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
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

    public Paged<AlbumSummary> Albums(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM albums")!;
        var items = ReadAlbums(
            connection,
            "ORDER BY a.name COLLATE NOCASE, a.id LIMIT $limit OFFSET $offset",
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<AlbumSummary>(items, p, s, total);
    }

    public AlbumSummary Album(long id)
    {
        using var connection = database.Open();
        return ReadAlbums(connection, "WHERE a.id = $id", ("$id", id)).FirstOrDefault()
            ?? throw ReviewException.NotFound($"album {id}");
    }

    public Paged<PhotoSummary> AlbumPhotos(long id, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        Album(id);
        using var connection = database.Open();
        var total = (long)
            connection.Scalar(
                "SELECT count(*) FROM album_photos ap JOIN photos ph ON ph.id = ap.photo_id WHERE ap.album_id = $a AND ph.removed_at IS NULL",
                null,
                ("$a", id)
            )!;
        var items = ReadPhotos(
            connection,
            """
            WHERE ph.removed_at IS NULL AND ph.id IN (SELECT photo_id FROM album_photos WHERE album_id = $a)
            ORDER BY coalesce(ph.taken_at, ph.created_at) DESC, ph.id DESC LIMIT $limit OFFSET $offset
            """,
            ("$a", id),
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<PhotoSummary>(items, p, s, total);
    }

    /// <summary>Photos with changes waiting to be written, with their changes (approved or not).</summary>
    /// <summary>The changes the owner dropped from the write-back list, newest first.</summary>
    public Paged<Hold> Holds(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM write_holds")!;
        return new Paged<Hold>(Changes.Holds(connection, offset, s), p, s, total);
    }

    public Paged<PendingPhoto> PendingWrites(long? personId, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var (ids, total) = Changes.PendingPhotos(connection, writeBack.Value, offset, s, personId);
        var photos =
            ids.Count == 0
                ? []
                : ReadPhotos(connection, $"WHERE ph.id IN ({string.Join(',', ids)}) ORDER BY ph.id DESC");
        var changes = Changes.Pending(connection, writeBack.Value, ids).ToLookup(c => c.PhotoId);
        var items = photos.Select(photo => new PendingPhoto(photo, changes[photo.Id].ToArray())).ToArray();
        return new Paged<PendingPhoto>(items, p, s, total);
    }

    public Paged<WriteItem> Writes(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM writes")!;
        var items = ReadWrites(
            connection,
            "ORDER BY id DESC LIMIT $limit OFFSET $offset",
            ("$limit", s),
            ("$offset", offset)
        );
        return new Paged<WriteItem>(items, p, s, total);
    }

    public WriteItem Write(long id)
    {
        using var connection = database.Open();
        return ReadWrites(connection, "WHERE id = $id", ("$id", id)).FirstOrDefault()
            ?? throw ReviewException.NotFound($"write {id}");
    }

    /// <summary>The relative path of a face thumbnail or a preview, from the database only.</summary>
    public string? ImagePath(string kind, long id)
    {
        using var connection = database.Open();
        return connection.Scalar(
                kind == "face"
                    ? "SELECT thumbnail FROM faces WHERE id = $id"
                    : "SELECT preview FROM photos WHERE id = $id",
                null,
                ("$id", id)
            ) as string;
    }

    public static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

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

    private static List<FaceItem> ReadFaces(
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

    private static List<PhotoSummary> ReadPhotos(
        SqliteConnection connection,
        string tail,
        params (string, object?)[] parameters
    ) =>
        connection.Rows(
            $"SELECT ph.id, {FirstPath}, ph.taken_at, ph.state FROM photos ph {tail}",
            r => new PhotoSummary(r.GetInt64(0), r.GetNullableString(1), r.GetNullableString(2), r.GetString(3)),
            null,
            parameters
        );

    private static List<AlbumSummary> ReadAlbums(
        SqliteConnection connection,
        string tail,
        params (string, object?)[] parameters
    ) =>
        connection.Rows(
            $"""
            SELECT a.id, a.name, (SELECT count(*) FROM album_photos ap WHERE ap.album_id = a.id),
                (SELECT ap.photo_id FROM album_photos ap WHERE ap.album_id = a.id ORDER BY ap.added_at LIMIT 1), a.created_at
            FROM albums a {tail}
            """,
            r => new AlbumSummary(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetNullableInt64(3), r.GetString(4)),
            null,
            parameters
        );

    private static List<WriteItem> ReadWrites(
        SqliteConnection connection,
        string tail,
        params (string, object?)[] parameters
    ) =>
        connection.Rows(
            $"SELECT id, photo_id, path, mode, state, error, created_at, undone_at, added, removed FROM writes {tail}",
            r => new WriteItem(
                r.GetInt64(0),
                r.GetNullableInt64(1),
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                r.GetNullableString(5),
                r.GetString(6),
                r.GetNullableString(7),
                r.GetString(8),
                r.GetString(9)
            ),
            null,
            parameters
        );
}
