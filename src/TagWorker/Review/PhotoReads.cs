using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Storage;
using TagWorker.WriteBack;

namespace TagWorker.Review;

/// <summary>What the site and the API read about photos, searches, albums and failures, one page at a time.</summary>
public sealed class PhotoReads(Database database, IOptions<WriteBackOptions> writeBack)
{
    private static readonly string FirstPath = LibraryStore.FirstPathOf("ph.id");

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

    /// <summary>Photos still waiting for analysis (their faces are not grouped yet).</summary>
    public long PendingPhotos()
    {
        using var connection = database.Open();
        return (long)connection.Scalar("SELECT count(*) FROM photos WHERE state = 'pending' AND removed_at IS NULL")!;
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
        var paths = LibraryStore.PathsOf(connection, id);
        var faces = PeopleReads.ReadFaces(connection, "WHERE f.photo_id = $id ORDER BY f.x", ("$id", id));
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
        var (p, s, offset) = Paging.Of(page, size);
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
            parameters.Add(("$folder", SqliteExtensions.EscapeLike(folder) + "/%"));
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
            .Range(1, (limit + Paging.MaxPageSize - 1) / Paging.MaxPageSize)
            .Select(page => Search(query, page, Paging.MaxPageSize).Items)
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
        var (p, s, offset) = Paging.Of(page, size);
        using var connection = database.Open();
        var union = $"""
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

    public Paged<AlbumSummary> Albums(int? page, int? size)
    {
        var (p, s, offset) = Paging.Of(page, size);
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
        var (p, s, offset) = Paging.Of(page, size);
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

    internal static List<PhotoSummary> ReadPhotos(
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
}
