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

    private const string CoverFace = """
        (SELECT cf.id FROM faces cf WHERE cf.person_id = p.id AND cf.rejected IS NULL AND cf.thumbnail IS NOT NULL
         ORDER BY cf.assigned_by = 'user' DESC, cf.size_px DESC LIMIT 1)
        """;

    private const string FirstPath = "(SELECT min(fi.path) FROM files fi WHERE fi.photo_id = ph.id AND fi.state = 'present')";

    public SqliteConnection Open() => database.Open();

    public static (int Page, int Size, int Offset) Paging(int? page, int? size)
    {
        var p = page ?? 1;
        var s = size ?? DefaultPageSize;
        if (p < 1 || s < 1 || s > MaxPageSize)
        {
            throw ReviewException.Invalid($"page must be 1 or more and size between 1 and {MaxPageSize}");
        }
        return (p, s, (p - 1) * s);
    }

    public Paged<PersonSummary> People(string? query, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var filter = "pe.name IS NOT NULL AND ($q IS NULL OR pe.name LIKE '%' || $q || '%' ESCAPE '\\')";
        var like = string.IsNullOrWhiteSpace(query) ? null : EscapeLike(query.Trim());
        var total = (long)connection.Scalar($"SELECT count(*) FROM people pe WHERE {filter}", null, ("$q", like))!;
        var items = ReadPeople(connection, $"""
            SELECT p.id, p.name, p.ignored,
                (SELECT count(*) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL),
                (SELECT count(DISTINCT f.photo_id) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL), {CoverFace}
            FROM (SELECT pe.* FROM people pe WHERE {filter} ORDER BY pe.name COLLATE NOCASE, pe.id LIMIT $limit OFFSET $offset) p
            ORDER BY p.name COLLATE NOCASE, p.id
            """, ("$q", like), ("$limit", s), ("$offset", offset));
        return new Paged<PersonSummary>(items, p, s, total);
    }

    /// <summary>Unnamed, not ignored groups, largest first, each with its suggestions.</summary>
    public Paged<GroupSummary> Groups(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM people WHERE name IS NULL AND ignored = 0")!;
        var groups = ReadPeople(connection, $"""
            SELECT p.id, p.name, p.ignored, p.faces, 0, {CoverFace}
            FROM (SELECT pe.id, pe.name, pe.ignored, count(f.id) AS faces FROM people pe
                  JOIN faces f ON f.person_id = pe.id AND f.rejected IS NULL
                  WHERE pe.name IS NULL AND pe.ignored = 0 GROUP BY pe.id ORDER BY faces DESC, pe.id LIMIT $limit OFFSET $offset) p
            ORDER BY p.faces DESC, p.id
            """, ("$limit", s), ("$offset", offset));
        var items = groups.Select(g => new GroupSummary(g.Id, g.Faces, g.CoverFaceId, profiles.Suggest(g.Id))).ToArray();
        return new Paged<GroupSummary>(items, p, s, total);
    }

    public PersonSummary Person(long id)
    {
        using var connection = database.Open();
        return ReadPeople(connection, $"""
            SELECT p.id, p.name, p.ignored,
                (SELECT count(*) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL),
                (SELECT count(DISTINCT f.photo_id) FROM faces f WHERE f.person_id = p.id AND f.rejected IS NULL), {CoverFace}
            FROM people p WHERE p.id = $id
            """, ("$id", id)).FirstOrDefault() ?? throw ReviewException.NotFound($"person {id}");
    }

    /// <summary>A person's faces, the ones not yet confirmed first.</summary>
    public Paged<FaceItem> FacesOf(long personId, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        Person(personId);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM faces WHERE person_id = $p AND rejected IS NULL", null, ("$p", personId))!;
        var items = ReadFaces(connection, """
            WHERE f.person_id = $p AND f.rejected IS NULL
            ORDER BY f.assigned_by = 'user', f.confidence DESC, f.id LIMIT $limit OFFSET $offset
            """, ("$p", personId), ("$limit", s), ("$offset", offset));
        return new Paged<FaceItem>(items, p, s, total);
    }

    public FaceItem Face(long id)
    {
        using var connection = database.Open();
        return ReadFaces(connection, "WHERE f.id = $id", ("$id", id)).FirstOrDefault() ?? throw ReviewException.NotFound($"face {id}");
    }

    public PhotoDetail Photo(long id)
    {
        using var connection = database.Open();
        using var command = connection.Command("""
            SELECT ph.state, ph.error, ph.width, ph.height, ph.orientation, ph.taken_at, ph.preview IS NOT NULL
            FROM photos ph WHERE ph.id = $id AND ph.removed_at IS NULL
            """, null, ("$id", id));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw ReviewException.NotFound($"photo {id}");
        }
        var paths = Strings(connection, "SELECT path FROM files WHERE photo_id = $id AND state = 'present' ORDER BY path", ("$id", id));
        var faces = ReadFaces(connection, "WHERE f.photo_id = $id ORDER BY f.x", ("$id", id));
        var objects = new List<ObjectItem>();
        using (var objectCommand = connection.Command("SELECT id, label, confidence, x, y, w, h FROM objects WHERE photo_id = $id ORDER BY confidence DESC", null, ("$id", id)))
        using (var objectReader = objectCommand.ExecuteReader())
        {
            while (objectReader.Read())
            {
                objects.Add(new ObjectItem(objectReader.GetInt64(0), objectReader.GetString(1), Math.Round(objectReader.GetDouble(2), 3),
                    objectReader.GetDouble(3), objectReader.GetDouble(4), objectReader.GetDouble(5), objectReader.GetDouble(6)));
            }
        }
        var written = new List<WrittenValue>();
        using (var writtenCommand = connection.Command("SELECT subject, value FROM written WHERE photo_id = $id ORDER BY subject", null, ("$id", id)))
        using (var writtenReader = writtenCommand.ExecuteReader())
        {
            while (writtenReader.Read())
            {
                written.Add(new WrittenValue(writtenReader.GetString(0), writtenReader.GetString(1)));
            }
        }
        var pending = Changes.Pending(connection, writeBack.Value, photoId: id);
        return new PhotoDetail(id, reader.GetString(0), reader.GetNullableString(1), paths,
            reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetInt32(4),
            reader.GetNullableString(5), reader.GetBoolean(6), faces, objects, written, pending);
    }

    public Paged<PhotoSummary> Search(SearchQuery query, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        var where = new List<string> { "ph.removed_at IS NULL" };
        var parameters = new List<(string, object?)>();
        if (query.People.Count > 0)
        {
            var names = query.People.Select((id, i) => { parameters.Add(($"$person{i}", id)); return $"$person{i}"; }).ToArray();
            var people = $"SELECT photo_id FROM faces WHERE person_id IN ({string.Join(", ", names)}) AND rejected IS NULL";
            where.Add(query.AllPeople && query.People.Count > 1
                ? $"ph.id IN ({people} GROUP BY photo_id HAVING count(DISTINCT person_id) = {query.People.Distinct().Count()})"
                : $"ph.id IN ({people})");
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
            where.Add("ph.id IN (SELECT photo_id FROM files WHERE state = 'present' AND path LIKE $folder ESCAPE '\\')");
            parameters.Add(("$folder", EscapeLike(folder) + "/%"));
        }
        var filter = string.Join(" AND ", where);
        using var connection = database.Open();
        var total = (long)connection.Scalar($"SELECT count(*) FROM photos ph WHERE {filter}", null, [.. parameters])!;
        var items = ReadPhotos(connection, $"WHERE {filter} ORDER BY coalesce(ph.taken_at, ph.created_at) DESC, ph.id DESC LIMIT $limit OFFSET $offset",
            [.. parameters, ("$limit", s), ("$offset", offset)]);
        return new Paged<PhotoSummary>(items, p, s, total);
    }

    /// <summary>All photo ids a search finds (for "make an album from these results"), up to <paramref name="limit"/>.</summary>
    public IReadOnlyList<long> SearchIds(SearchQuery query, int limit = 10_000) =>
        Enumerable.Range(1, (limit + MaxPageSize - 1) / MaxPageSize)
            .Select(page => Search(query, page, MaxPageSize).Items)
            .TakeWhile(items => items.Count > 0).SelectMany(items => items).Select(photo => photo.Id).Take(limit).ToArray();

    public IReadOnlyList<LabelCount> Labels()
    {
        using var connection = database.Open();
        using var command = connection.Command("SELECT label, count(DISTINCT photo_id) FROM objects GROUP BY label ORDER BY 2 DESC, label");
        using var reader = command.ExecuteReader();
        var labels = new List<LabelCount>();
        while (reader.Read())
        {
            labels.Add(new LabelCount(reader.GetString(0), reader.GetInt64(1)));
        }
        return labels;
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
            """;
        var total = (long)connection.Scalar($"SELECT count(*) FROM ({union})")!;
        using var command = connection.Command($"SELECT kind, id, path, reason, at FROM ({union}) ORDER BY at DESC, id DESC LIMIT $limit OFFSET $offset", null,
            ("$limit", s), ("$offset", offset));
        using var reader = command.ExecuteReader();
        var items = new List<FailedItem>();
        while (reader.Read())
        {
            items.Add(new FailedItem(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }
        return new Paged<FailedItem>(items, p, s, total);
    }

    public Paged<DecisionItem> Decisions(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM decisions")!;
        using var command = connection.Command("SELECT id, kind, summary, created_at, undone_at FROM decisions ORDER BY id DESC LIMIT $limit OFFSET $offset", null,
            ("$limit", s), ("$offset", offset));
        using var reader = command.ExecuteReader();
        var items = new List<DecisionItem>();
        while (reader.Read())
        {
            items.Add(new DecisionItem(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetNullableString(4)));
        }
        return new Paged<DecisionItem>(items, p, s, total);
    }

    public Paged<AlbumSummary> Albums(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM albums")!;
        var items = ReadAlbums(connection, "ORDER BY a.name COLLATE NOCASE, a.id LIMIT $limit OFFSET $offset", ("$limit", s), ("$offset", offset));
        return new Paged<AlbumSummary>(items, p, s, total);
    }

    public AlbumSummary Album(long id)
    {
        using var connection = database.Open();
        return ReadAlbums(connection, "WHERE a.id = $id", ("$id", id)).FirstOrDefault() ?? throw ReviewException.NotFound($"album {id}");
    }

    public Paged<PhotoSummary> AlbumPhotos(long id, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        Album(id);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM album_photos ap JOIN photos ph ON ph.id = ap.photo_id WHERE ap.album_id = $a AND ph.removed_at IS NULL", null, ("$a", id))!;
        var items = ReadPhotos(connection, """
            WHERE ph.removed_at IS NULL AND ph.id IN (SELECT photo_id FROM album_photos WHERE album_id = $a)
            ORDER BY coalesce(ph.taken_at, ph.created_at) DESC, ph.id DESC LIMIT $limit OFFSET $offset
            """, ("$a", id), ("$limit", s), ("$offset", offset));
        return new Paged<PhotoSummary>(items, p, s, total);
    }

    /// <summary>Photos with changes waiting to be written, with their changes (approved or not).</summary>
    public Paged<PendingPhoto> PendingWrites(long? personId, int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var (ids, total) = Changes.PendingPhotos(connection, writeBack.Value, offset, s, personId);
        var photos = ids.Count == 0 ? [] : ReadPhotos(connection, $"WHERE ph.id IN ({string.Join(',', ids)}) ORDER BY ph.id DESC");
        var changes = Changes.Pending(connection, writeBack.Value, ids).ToLookup(c => c.PhotoId);
        var items = photos.Select(photo => new PendingPhoto(photo, changes[photo.Id].ToArray())).ToArray();
        return new Paged<PendingPhoto>(items, p, s, total);
    }

    public Paged<WriteItem> Writes(int? page, int? size)
    {
        var (p, s, offset) = Paging(page, size);
        using var connection = database.Open();
        var total = (long)connection.Scalar("SELECT count(*) FROM writes")!;
        var items = ReadWrites(connection, "ORDER BY id DESC LIMIT $limit OFFSET $offset", ("$limit", s), ("$offset", offset));
        return new Paged<WriteItem>(items, p, s, total);
    }

    public WriteItem Write(long id)
    {
        using var connection = database.Open();
        return ReadWrites(connection, "WHERE id = $id", ("$id", id)).FirstOrDefault() ?? throw ReviewException.NotFound($"write {id}");
    }

    /// <summary>The relative path of a face thumbnail or a preview, from the database only.</summary>
    public string? ImagePath(string kind, long id)
    {
        using var connection = database.Open();
        return connection.Scalar(kind == "face" ? "SELECT thumbnail FROM faces WHERE id = $id" : "SELECT preview FROM photos WHERE id = $id", null, ("$id", id)) as string;
    }

    public static string EscapeLike(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static List<PersonSummary> ReadPeople(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = connection.Command(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var people = new List<PersonSummary>();
        while (reader.Read())
        {
            people.Add(new PersonSummary(reader.GetInt64(0), reader.GetNullableString(1), reader.GetInt64(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetInt64(2) != 0));
        }
        return people;
    }

    private static List<FaceItem> ReadFaces(SqliteConnection connection, string tail, params (string, object?)[] parameters)
    {
        using var command = connection.Command($"""
            SELECT f.id, f.photo_id, f.person_id, pe.name, f.confidence, f.size_px, f.assigned_by, f.rejected, f.x, f.y, f.w, f.h, f.thumbnail IS NOT NULL
            FROM faces f LEFT JOIN people pe ON pe.id = f.person_id {tail}
            """, null, parameters);
        using var reader = command.ExecuteReader();
        var faces = new List<FaceItem>();
        while (reader.Read())
        {
            faces.Add(new FaceItem(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetNullableString(3),
                Math.Round(reader.GetDouble(4), 3), Math.Round(reader.GetDouble(5), 1), reader.GetNullableString(6), reader.GetNullableString(7),
                reader.GetDouble(8), reader.GetDouble(9), reader.GetDouble(10), reader.GetDouble(11), reader.GetBoolean(12)));
        }
        return faces;
    }

    private static List<PhotoSummary> ReadPhotos(SqliteConnection connection, string tail, params (string, object?)[] parameters)
    {
        using var command = connection.Command($"SELECT ph.id, {FirstPath}, ph.taken_at, ph.state FROM photos ph {tail}", null, parameters);
        using var reader = command.ExecuteReader();
        var photos = new List<PhotoSummary>();
        while (reader.Read())
        {
            photos.Add(new PhotoSummary(reader.GetInt64(0), reader.GetNullableString(1), reader.GetNullableString(2), reader.GetString(3)));
        }
        return photos;
    }

    private static List<AlbumSummary> ReadAlbums(SqliteConnection connection, string tail, params (string, object?)[] parameters)
    {
        using var command = connection.Command($"""
            SELECT a.id, a.name, (SELECT count(*) FROM album_photos ap WHERE ap.album_id = a.id),
                (SELECT ap.photo_id FROM album_photos ap WHERE ap.album_id = a.id ORDER BY ap.added_at LIMIT 1), a.created_at
            FROM albums a {tail}
            """, null, parameters);
        using var reader = command.ExecuteReader();
        var albums = new List<AlbumSummary>();
        while (reader.Read())
        {
            albums.Add(new AlbumSummary(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.GetString(4)));
        }
        return albums;
    }

    private static List<WriteItem> ReadWrites(SqliteConnection connection, string tail, params (string, object?)[] parameters)
    {
        using var command = connection.Command($"SELECT id, photo_id, path, mode, state, error, created_at, undone_at, added, removed FROM writes {tail}", null, parameters);
        using var reader = command.ExecuteReader();
        var writes = new List<WriteItem>();
        while (reader.Read())
        {
            writes.Add(new WriteItem(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetNullableString(5), reader.GetString(6), reader.GetNullableString(7), reader.GetString(8), reader.GetString(9)));
        }
        return writes;
    }

    private static List<string> Strings(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = connection.Command(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
