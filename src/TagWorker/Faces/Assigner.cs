using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>
/// Incremental assignment, by the rule the regrouping's second stage uses: a face not in any person
/// joins the person it is most like on average (its mean similarity to all the person's faces) when
/// that reaches the link similarity; a face below the quality bar must also be clearly more like
/// that person than the next. Otherwise it waits for the next full regrouping. "Not this person" and
/// the same-photo rule always hold; ignored groups take their look-alikes too (so they do not come back).
/// </summary>
public static class Assigner
{
    public static int AssignWaiting(SqliteConnection connection, string embedder, double link, QualityBar quality)
    {
        var people = PeopleProfiles.Load(connection, embedder);
        if (people.Count == 0)
        {
            return 0;
        }
        var waiting = Waiting(connection, embedder);
        var assigned = 0;
        using var transaction = connection.BeginTransaction();
        foreach (var face in waiting)
        {
            var ranked = people
                .Select(p => (Person: p, Linkage: p.Linkage(face.Embedding)))
                .Where(c => c.Linkage >= link - FaceClusterer.AttachMargin)
                .OrderByDescending(c => c.Linkage)
                .ToArray();
            var best = Array.FindIndex(ranked, c =>
                c.Linkage >= link && !Forbidden(connection, transaction, face.Id, face.PhotoId, c.Person.Id)
            );
            if (best < 0)
            {
                continue;
            }
            var next = ranked.Where((_, k) => k != best).Select(c => c.Linkage).DefaultIfEmpty(float.MinValue).Max();
            if (!quality.Passes(face) && ranked[best].Linkage - next < FaceClusterer.AttachMargin)
            {
                continue;
            }
            connection.Execute(
                "UPDATE faces SET person_id = $p, assigned_by = 'auto' WHERE id = $f",
                transaction,
                ("$p", ranked[best].Person.Id),
                ("$f", face.Id)
            );
            assigned++;
        }
        transaction.Commit();
        return assigned;
    }

    private static bool Forbidden(
        SqliteConnection connection,
        SqliteTransaction transaction,
        long faceId,
        long photoId,
        long personId
    ) =>
        connection.Scalar(
            """
            SELECT EXISTS (SELECT 1 FROM cannot_link WHERE face_id = $f AND person_id = $p)
                OR EXISTS (SELECT 1 FROM faces WHERE person_id = $p AND photo_id = $photo AND id != $f)
            """,
            transaction,
            ("$f", faceId),
            ("$p", personId),
            ("$photo", photoId)
        )
            is 1L;

    private static List<ClusterFace> Waiting(SqliteConnection connection, string embedder)
    {
        using var command = connection.Command(
            $"""
            SELECT f.id, f.photo_id, f.confidence, f.size_px, f.embedding, f.sharpness FROM {GroupableFaces.From}
            WHERE f.person_id IS NULL AND {GroupableFaces.Where}
            ORDER BY f.id
            """,
            null,
            ("$m", embedder)
        );
        using var reader = command.ExecuteReader();
        var faces = new List<ClusterFace>();
        while (reader.Read())
        {
            faces.Add(
                new ClusterFace(
                    reader.GetInt64(0),
                    reader.GetInt64(1),
                    reader.GetFloat(2),
                    reader.GetFloat(3),
                    reader.GetEmbedding(4),
                    reader.GetFloat(5)
                )
            );
        }
        return faces;
    }
}
