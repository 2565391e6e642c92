using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using TagWorker.Faces;
using TagWorker.Inference;
using TagWorker.Storage;
using TagWorker.Tests.Support;

namespace TagWorker.Tests.Faces;

/// <summary>Decisions on a real SQLite file, with generated embeddings standing in for faces of a few people.</summary>
public sealed class DecisionsTests : IDisposable
{
    private const int Dims = 512;
    private const double Link = 0.30; // the manifest's value for w600k_mbf
    private readonly TempDir _data = new("people");
    private readonly Database _database;
    private readonly Decisions _decisions;
    private readonly Regrouper _regrouper;
    private readonly float[][] _identities;
    private readonly Random _random = new(42);
    private long _photos;

    public DecisionsTests()
    {
        _database = new Database(Options.Create(new StorageOptions { Dir = _data.Path }));
        _decisions = new Decisions(_database, TimeProvider.System);
        _regrouper = new Regrouper(_database, Options.Create(new FacesOptions()), TimeProvider.System);
        _identities = Enumerable.Range(0, 8).Select(_ => Unit(Gaussian(1f))).ToArray();
    }

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_decision_survives_any_number_of_regroupings(int seed)
    {
        var random = new Random(seed);
        AddPhotos(random, 30);
        Regroup();
        for (var round = 0; round < 8; round++)
        {
            for (var d = 0; d < 4; d++)
            {
                RandomDecision(random);
            }
            WriteOnePhoto(random);
            var decided = Facts();
            for (var again = 0; again < 3; again++)
            {
                AddPhotos(random, 3);
                Regroup();
                Assert.Equal(decided, Facts());
                AssertInvariants();
            }
        }
    }

    [Fact]
    public void Naming_confirms_the_group_new_photos_join_it_and_renaming_keeps_every_face()
    {
        AddPhotos(new Random(5), 20, identity: 0);
        Regroup();
        var person = Scalar("SELECT person_id FROM faces WHERE person_id IS NOT NULL LIMIT 1");
        _decisions.Name(person, "Alice <b>& \"Bob\"");
        AddPhotos(new Random(6), 5, identity: 0);

        Regroup();

        Assert.Equal("Alice <b>& \"Bob\"", Text($"SELECT name FROM people WHERE id = {person}"));
        Assert.Equal(25, Scalar($"SELECT count(*) FROM faces WHERE person_id = {person}"));

        _decisions.Rename(person, "Alice");
        Regroup();
        Assert.Equal("Alice", Text($"SELECT name FROM people WHERE id = {person}"));
        Assert.Equal(25, Scalar($"SELECT count(*) FROM faces WHERE person_id = {person}")); // a renamed person keeps every face
    }

    [Fact]
    public void Merge_move_split_reject_not_this_person_and_undo_each_do_exactly_what_they_say()
    {
        AddPhotos(new Random(7), 10, identity: 1);
        AddPhotos(new Random(8), 10, identity: 2);
        Regroup();
        var a = Scalar("SELECT min(person_id) FROM faces");
        var b = Scalar("SELECT max(person_id) FROM faces");
        Assert.NotEqual(a, b);
        var before = Facts();

        _decisions.Merge(b, a);
        Assert.Equal(20, Scalar($"SELECT count(*) FROM faces WHERE person_id = {a}"));
        Assert.Equal(0, Scalar($"SELECT count(*) FROM people WHERE id = {b}"));
        Assert.True(_decisions.UndoLast());
        Assert.Equal(10, Scalar($"SELECT count(*) FROM faces WHERE person_id = {b}"));

        var face = Scalar($"SELECT min(id) FROM faces WHERE person_id = {a}");
        _decisions.Move(face, b);
        Assert.Equal(b, Scalar($"SELECT person_id FROM faces WHERE id = {face}"));
        Assert.Equal(1, Scalar($"SELECT count(*) FROM cannot_link WHERE face_id = {face} AND person_id = {a}"));

        var split = _decisions.Split([face], "Carol");
        Assert.Equal(split, Scalar($"SELECT person_id FROM faces WHERE id = {face}"));

        var other = Scalar($"SELECT max(id) FROM faces WHERE person_id = {a}");
        _decisions.NotThisPerson(other);
        Assert.Equal(0, Scalar($"SELECT count(*) FROM faces WHERE id = {other} AND person_id IS NOT NULL"));
        _decisions.Reject(Scalar($"SELECT min(id) FROM faces WHERE person_id = {b}"), "not_a_face");
        Regroup();
        Assert.Equal(0, Scalar($"SELECT count(*) FROM faces WHERE id = {other} AND person_id = {a}"));

        while (_decisions.UndoLast()) { }
        Regroup();
        Assert.Equal(before.Named, Facts().Named);
        Assert.Empty(Facts().Confirmed);
        Assert.Empty(Facts().Rejected);
        Assert.Equal(0, Scalar("SELECT count(*) FROM cannot_link"));
    }

    [Fact]
    public void Any_decision_can_be_undone_alone_or_with_exactly_the_later_ones_that_changed_the_same_faces_or_people()
    {
        AddPhotos(new Random(11), 8, identity: 1);
        AddPhotos(new Random(12), 8, identity: 2);
        Regroup();
        var a = Scalar("SELECT min(person_id) FROM faces");
        var b = Scalar("SELECT max(person_id) FROM faces");
        var face = Scalar($"SELECT min(id) FROM faces WHERE person_id = {a}");
        long Last() => Scalar("SELECT max(id) FROM decisions");

        _decisions.Name(a, "Alice");
        var nameAlice = Last();
        _decisions.Name(b, "Bob");
        var nameBob = Last();
        _decisions.Reject(face, "stranger"); // one of Alice's faces: depends on naming Alice
        var reject = Last();
        _decisions.Rename(b, "Robert");
        var rename = Last();

        Assert.Equal([nameAlice, reject], _decisions.UndoPlan(nameAlice));
        Assert.Equal([nameBob, rename], _decisions.UndoPlan(nameBob));
        Assert.Equal([reject], _decisions.UndoPlan(reject));

        Assert.Equal([reject], _decisions.Undo(reject)); // out of order: the rename after it stays
        Assert.Equal("", Text($"SELECT coalesce(rejected, '') FROM faces WHERE id = {face}"));
        Assert.Equal(a, Scalar($"SELECT person_id FROM faces WHERE id = {face}"));
        Assert.Equal("Robert", Text($"SELECT name FROM people WHERE id = {b}"));
        Assert.Empty(_decisions.UndoPlan(reject)); // undone already

        Assert.Equal([nameAlice], _decisions.Undo(nameAlice)); // the reject that depended on it is undone already
        Assert.Equal("", Text($"SELECT coalesce(name, '') FROM people WHERE id = {a}"));
        Assert.Equal(0, Scalar($"SELECT count(*) FROM faces WHERE person_id = {a} AND assigned_by = 'user'"));
        Assert.Equal("Robert", Text($"SELECT name FROM people WHERE id = {b}"));
        Assert.Equal(8, Scalar($"SELECT count(*) FROM faces WHERE person_id = {b} AND assigned_by = 'user'"));

        Assert.Equal([nameBob, rename], _decisions.Undo(nameBob)); // both, newest first: Bob is an unnamed group again
        Assert.Equal("", Text($"SELECT coalesce(name, '') FROM people WHERE id = {b}"));
        Assert.Equal(0, Scalar("SELECT count(*) FROM faces WHERE assigned_by = 'user'"));
        Assert.Equal(0, Scalar("SELECT count(*) FROM decisions WHERE undone_at IS NULL"));
        AssertInvariants();
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(25)]
    public void Undoing_decisions_in_any_order_each_with_its_plan_brings_back_exactly_the_state_before_them(int seed)
    {
        var random = new Random(seed);
        AddPhotos(random, 30);
        Regroup();
        var before = Rows();
        for (var d = 0; d < 25; d++)
        {
            RandomDecision(random);
        }
        while (
            Pairs("SELECT id, 0 FROM decisions WHERE undone_at IS NULL").Select(p => p.A).ToArray()
                is { Length: > 0 } open
        )
        {
            var pick = open[random.Next(open.Length)];
            var plan = _decisions.UndoPlan(pick);
            Assert.Equal(pick, plan[0]);
            Assert.Equal(plan, _decisions.Undo(pick));
            AssertConsistent();
        }
        var after = Rows();
        Assert.True(
            before == after,
            "differs: "
                + string.Join("; ", before.Split('\n').Except(after.Split('\n')))
                + " / now "
                + string.Join("; ", after.Split('\n').Except(before.Split('\n')))
        );
    }

    /// <summary>Every row a decision can change, as text: faces' person and state, people, "not this person"
    /// links.</summary>
    private string Rows()
    {
        using var connection = _database.Open();
        return string.Join(
            "\n",
            connection.Rows(
                """
                SELECT 'face ' || id || ' ' || coalesce(person_id, '-') || ' ' || coalesce(assigned_by, '-') || ' ' || coalesce(rejected, '-') FROM faces
                UNION ALL SELECT 'person ' || id || ' ' || coalesce(name, '-') || ' ' || ignored || ' ' || hidden FROM people
                UNION ALL SELECT 'link ' || face_id || ' ' || person_id FROM cannot_link
                ORDER BY 1
                """,
                r => r.GetString(0)
            )
        );
    }

    [Fact]
    public void An_ignored_group_does_not_come_back_as_a_new_group()
    {
        AddPhotos(new Random(9), 12, identity: 3);
        Regroup();
        var group = Scalar("SELECT person_id FROM faces WHERE person_id IS NOT NULL LIMIT 1");
        _decisions.Ignore(group);

        Regroup();
        Regroup();

        Assert.Equal(1, Scalar("SELECT count(DISTINCT person_id) FROM faces WHERE person_id IS NOT NULL"));
        Assert.Equal(group, Scalar("SELECT person_id FROM faces WHERE person_id IS NOT NULL LIMIT 1"));
        Assert.Equal(1, Scalar($"SELECT ignored FROM people WHERE id = {group}"));
    }

    [Fact]
    public void A_removed_photos_faces_leave_their_person_consistent_and_empty_libraries_are_fine()
    {
        Regroup(); // nothing at all
        AddPhotos(new Random(10), 1, identity: 4);
        Regroup(); // one face: no group
        Assert.Equal(0, Scalar("SELECT count(*) FROM faces WHERE person_id IS NOT NULL"));

        AddPhotos(new Random(11), 6, identity: 4);
        Regroup();
        var person = Scalar("SELECT person_id FROM faces WHERE person_id IS NOT NULL LIMIT 1");
        _decisions.Name(person, "Dana");
        Execute(
            $"UPDATE photos SET removed_at = 'now' WHERE id IN (SELECT photo_id FROM faces WHERE person_id = {person} LIMIT 3)"
        );

        Regroup();

        Assert.Equal("Dana", Text($"SELECT name FROM people WHERE id = {person}"));
        Assert.Equal(
            0,
            Scalar(
                "SELECT count(*) FROM faces WHERE person_id IS NOT NULL AND person_id NOT IN (SELECT id FROM people)"
            )
        );
    }

    [Fact]
    public void New_faces_join_their_person_at_once_strangers_wait_and_not_this_person_holds()
    {
        AddPhotos(new Random(12), 10, identity: 5);
        Regroup();
        var person = Scalar("SELECT person_id FROM faces WHERE person_id IS NOT NULL LIMIT 1");
        _decisions.Name(person, "Erin");
        var rejected = Scalar($"SELECT min(id) FROM faces WHERE person_id = {person}");
        _decisions.NotThisPerson(rejected);
        AddPhotos(new Random(13), 3, identity: 5);
        AddPhotos(new Random(14), 2, identity: 6);

        var joined = Assign();

        Assert.Equal(3, joined);
        Assert.Equal(12, Scalar($"SELECT count(*) FROM faces WHERE person_id = {person}")); // 9 confirmed + 3 new
        Assert.Equal(0, Scalar($"SELECT count(*) FROM faces WHERE id = {rejected} AND person_id IS NOT NULL"));
        Assert.Equal(2, Scalar($"SELECT count(*) FROM faces WHERE person_id IS NULL AND id != {rejected}")); // the stranger's two wait
    }

    [Fact]
    public void A_small_face_joins_the_group_it_is_clearly_like_but_small_faces_never_seed_one()
    {
        AddPhotos(new Random(15), 6, identity: 1);
        AddPhotos(new Random(16), 6, identity: 2);
        Regroup();
        var named = Scalar($"SELECT person_id FROM faces WHERE person_id IS NOT NULL ORDER BY id LIMIT 1");
        var unnamed = Scalar($"SELECT person_id FROM faces WHERE person_id IS NOT NULL ORDER BY id DESC LIMIT 1");
        _decisions.Name(named, "Frank");
        AddPhotos(new Random(17), 1, identity: 1, size: 20);
        AddPhotos(new Random(18), 1, identity: 2, size: 20);

        Assign();

        Assert.Equal(named, Scalar("SELECT person_id FROM faces WHERE size_px = 20 ORDER BY id LIMIT 1"));
        Assert.Equal(unnamed, Scalar("SELECT person_id FROM faces WHERE size_px = 20 ORDER BY id DESC LIMIT 1"));

        AddPhotos(new Random(21), 3, identity: 7, size: 20); // a stranger seen only small
        Regroup();
        Assert.Equal(3, Scalar("SELECT count(*) FROM faces WHERE size_px = 20 AND person_id IS NULL"));
    }

    [Fact]
    public void Unnamed_groups_get_the_nearest_named_people_as_suggestions_and_similar_faces_find_the_same_person()
    {
        AddPhotos(new Random(19), 8, identity: 3);
        AddPhotos(new Random(20), 8, identity: 4);
        Regroup();
        var three = Scalar("SELECT person_id FROM faces ORDER BY id LIMIT 1");
        var four = Scalar("SELECT person_id FROM faces ORDER BY id DESC LIMIT 1");
        _decisions.Name(three, "Gina");
        var lookAlike = _decisions.Split(
            Pairs($"SELECT id, 0 FROM faces WHERE person_id = {three} ORDER BY id LIMIT 2").Select(p => p.A).ToArray(),
            null
        );

        using var connection = _database.Open();
        var suggestions = TagWorker.Faces.Suggestions.ForUnnamedGroups(connection, "w600k_mbf");
        var forLookAlike = suggestions.Single(g => g.GroupId == lookAlike).Suggestions[0];
        var forFour = suggestions.Single(g => g.GroupId == four).Suggestions[0];
        Assert.Equal(("Gina", three), (forLookAlike.Name, forLookAlike.PersonId));
        Assert.True(
            forLookAlike.Similarity > 0.6 && forFour.Similarity < 0.1,
            $"{forLookAlike.Similarity} vs {forFour.Similarity}"
        );
        Assert.True(forLookAlike.Likely); // asked as a question
        Assert.False(forFour.Likely); // only a quiet "more like this"

        var face = Scalar($"SELECT min(id) FROM faces WHERE person_id = {four}");
        var (faces, people) = SimilarFaces.Find(
            connection,
            "w600k_mbf",
            SimilarFaces.EmbeddingOf(connection, face)!,
            5,
            excludeFace: face
        );
        Assert.All(faces, f => Assert.Equal(four, f.PersonId));
        Assert.Equal(four, people[0].PersonId);
    }

    [Fact]
    public void The_queue_of_faces_in_no_group_puts_faces_like_a_named_person_first_and_never_one_marked_not_them()
    {
        AddPhotos(new Random(22), 8, identity: 3);
        Regroup();
        var gina = Scalar("SELECT person_id FROM faces ORDER BY id LIMIT 1");
        _decisions.Name(gina, "Gina");
        var notGina = Scalar($"SELECT max(id) FROM faces WHERE person_id = {gina}");
        _decisions.NotThisPerson(notGina);
        AddPhotos(new Random(23), 1, identity: 5, size: 300); // a stranger, larger: first without the suggestion order
        AddPhotos(new Random(24), 1, identity: 3);
        var waitingGina = Scalar("SELECT max(id) FROM faces");

        using var connection = _database.Open();
        var queue = TagWorker.Faces.Suggestions.ForWaitingFaces(
            connection,
            "w600k_mbf",
            PeopleProfiles.Load(connection, "w600k_mbf")
        );

        Assert.Equal(waitingGina, queue[0].FaceId);
        Assert.Equal(("Gina", true), (queue[0].Closest!.Name, queue[0].Closest!.Likely));
        Assert.Null(queue.Single(q => q.FaceId == notGina).Closest); // the only named person is the one it is not
        Assert.False(queue.Single(q => q.FaceId != notGina && q.FaceId != waitingGina).Closest!.Likely);
    }

    private int Assign()
    {
        using var connection = _database.Open();
        return Assigner.AssignWaiting(
            connection,
            "w600k_mbf",
            Link,
            new QualityBar(MinFaceSize: 40, MinScore: 0.6, MinSharpness: 20)
        );
    }

    private sealed record FactsRecord(
        SortedDictionary<long, long> Confirmed,
        SortedSet<long> Rejected,
        SortedDictionary<long, string> Named,
        SortedSet<long> Ignored
    )
    {
        public bool Equals(FactsRecord? other) =>
            other is not null
            && Confirmed.SequenceEqual(other.Confirmed)
            && Rejected.SetEquals(other.Rejected)
            && Named.SequenceEqual(other.Named)
            && Ignored.SetEquals(other.Ignored);

        public override int GetHashCode() => Confirmed.Count;
    }

    private FactsRecord Facts() =>
        new(
            new SortedDictionary<long, long>(
                Pairs("SELECT id, person_id FROM faces WHERE assigned_by = 'user'").ToDictionary(p => p.A, p => p.B)
            ),
            new SortedSet<long>(Pairs("SELECT id, 0 FROM faces WHERE rejected IS NOT NULL").Select(p => p.A)),
            new SortedDictionary<long, string>(Names()),
            new SortedSet<long>(Pairs("SELECT id, 0 FROM people WHERE ignored = 1").Select(p => p.A))
        );

    private void AssertInvariants()
    {
        AssertConsistent();
        var clashes = Pairs(
            """
            SELECT a.id, b.id FROM faces a JOIN faces b ON a.photo_id = b.photo_id AND a.person_id = b.person_id AND a.id < b.id
            WHERE a.assigned_by = 'auto' OR b.assigned_by = 'auto'
            """
        );
        Assert.True(
            clashes.Count == 0,
            "one photo twice in one person: "
                + string.Join("; ", clashes.Select(c => Describe(c.A) + " / " + Describe(c.B)))
        );
    }

    /// <summary>What holds after any decision or undo, before the algorithm runs again (which keeps one photo out of a
    /// person twice).</summary>
    private void AssertConsistent()
    {
        Assert.Equal(
            0,
            Scalar("SELECT count(*) FROM faces f JOIN cannot_link c ON c.face_id = f.id AND c.person_id = f.person_id")
        );
        Assert.Equal(0, Scalar("SELECT count(*) FROM faces WHERE rejected IS NOT NULL AND person_id IS NOT NULL"));
        Assert.Equal(
            0,
            Scalar(
                "SELECT count(*) FROM faces WHERE person_id IS NOT NULL AND person_id NOT IN (SELECT id FROM people)"
            )
        );
        // The maintained list of photos with changes to write is what the whole-library diff says.
        using var connection = _database.Open();
        var options = new TagWorker.WriteBack.WriteBackOptions();
        var maintained = TagWorker
            .WriteBack.Changes.PendingPhotos(connection, options, 0, int.MaxValue)
            .Photos.Order()
            .ToArray();
        var diff = TagWorker
            .WriteBack.Changes.Pending(connection, options, (IReadOnlyCollection<long>?)null)
            .Select(c => c.PhotoId)
            .Distinct()
            .Order()
            .ToArray();
        Assert.Equal(diff, maintained);
    }

    /// <summary>Records one photo's pending changes as written, as the writer does after a verified write.</summary>
    private void WriteOnePhoto(Random random)
    {
        using var connection = _database.Open();
        var changes = TagWorker.WriteBack.Changes.Pending(
            connection,
            new TagWorker.WriteBack.WriteBackOptions(),
            (IReadOnlyCollection<long>?)null
        );
        if (changes.Count == 0)
        {
            return;
        }
        var photo = changes[random.Next(changes.Count)].PhotoId;
        foreach (var change in changes.Where(c => c.PhotoId == photo))
        {
            connection.Execute(
                change.After is null
                    ? "DELETE FROM written WHERE photo_id = $p AND subject = $s"
                    : "INSERT INTO written (photo_id, subject, value, entries) VALUES ($p, $s, $v, '[]') ON CONFLICT (photo_id, subject) DO UPDATE SET value = $v",
                null,
                ("$p", photo),
                ("$s", change.Subject),
                ("$v", change.After)
            );
        }
    }

    private string Describe(long face)
    {
        using var connection = _database.Open();
        return (string)
            connection.Scalar(
                $"SELECT id || ' photo ' || photo_id || ' person ' || coalesce(person_id, '-') || ' ' || coalesce(assigned_by, '-') FROM faces WHERE id = {face}"
            )!;
    }

    private void RandomDecision(Random random)
    {
        var people = Pairs("SELECT id, ignored FROM people").Select(p => p.A).ToArray();
        var faces = Pairs("SELECT id, coalesce(person_id, 0) FROM faces WHERE rejected IS NULL").ToArray();
        var assigned = faces.Where(f => f.B != 0).ToArray();
        if (people.Length == 0 || assigned.Length == 0)
        {
            return;
        }
        var person = people[random.Next(people.Length)];
        var face = assigned[random.Next(assigned.Length)].A;
        switch (random.Next(13))
        {
            case 9:
                _decisions.Hide(person, random.Next(2) == 0);
                break;
            case 10:
                _decisions.Accept([face]);
                break;
            case 11 when faces.FirstOrDefault(f => f.B != person) is { A: > 0 } outside:
                _decisions.NotThem([outside.A], person);
                break;
            case 12 when Scalar("SELECT min(id) FROM faces WHERE rejected IS NOT NULL") is > 0 and var rejected:
                _decisions.BringBack(rejected);
                break;
            case 0:
                _decisions.Name(person, $"Person {random.Next(1000)}");
                break;
            case 1 when people.Length > 1:
                _decisions.Merge(person, people.First(p => p != person));
                break;
            case 2:
                _decisions.Move(face, person);
                break;
            case 3:
                _decisions.Split([face], null);
                break;
            case 4:
                _decisions.NotThisPerson(face);
                break;
            case 5:
                _decisions.Reject(face, random.Next(2) == 0 ? "not_a_face" : "stranger");
                break;
            case 6:
                _decisions.Ignore(person);
                break;
            case 7:
                _decisions.Rename(person, $"Renamed {random.Next(1000)}");
                break;
            default:
                _decisions.UndoLast();
                break;
        }
    }

    private void Regroup() => _regrouper.Run("w600k_mbf", 0.55, Link);

    /// <summary>Photos with one or two faces of the generated people (two different people per photo).</summary>
    private void AddPhotos(Random random, int count, int? identity = null, int size = 100)
    {
        using var connection = _database.Open();
        for (var p = 0; p < count; p++)
        {
            var photo = (long)
                connection.Scalar(
                    "INSERT INTO photos (size, state, created_at, updated_at) VALUES ($s, 'analyzed', 'now', 'now') RETURNING id",
                    null,
                    ("$s", ++_photos)
                )!;
            var who =
                identity is { } fixedIdentity ? [fixedIdentity]
                : random.Next(3) == 0
                    ? Enumerable.Range(0, _identities.Length).OrderBy(_ => random.Next()).Take(2).ToArray()
                : new[] { random.Next(_identities.Length) };
            foreach (var person in who)
            {
                var embedding = Unit(_identities[person].Zip(Gaussian(0.03f, random), (a, b) => a + b).ToArray());
                connection.Execute(
                    """
                    INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, embedder, embedding)
                    VALUES ($p, 0, 0, 100, 100, x'', 0.9, $size, 50, 'w600k_mbf', $e)
                    """,
                    null,
                    ("$p", photo),
                    ("$size", size),
                    ("$e", MemoryMarshal.AsBytes(embedding.AsSpan()).ToArray())
                );
            }
        }
    }

    private float[] Gaussian(float sigma, Random? random = null)
    {
        random ??= _random;
        return Enumerable
            .Range(0, Dims)
            .Select(_ =>
                (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))
                * sigma
            )
            .ToArray();
    }

    private static float[] Unit(float[] v)
    {
        FaceEmbedder.Normalise(v);
        return v;
    }

    private long Scalar(string sql)
    {
        using var connection = _database.Open();
        return connection.Scalar(sql) is long value ? value : 0;
    }

    private string? Text(string sql)
    {
        using var connection = _database.Open();
        return connection.Scalar(sql) as string;
    }

    private void Execute(string sql)
    {
        using var connection = _database.Open();
        connection.Execute(sql);
    }

    private List<(long A, long B)> Pairs(string sql)
    {
        using var connection = _database.Open();
        using var command = connection.Command(sql);
        using var reader = command.ExecuteReader();
        var pairs = new List<(long, long)>();
        while (reader.Read())
        {
            pairs.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        return pairs;
    }

    private Dictionary<long, string> Names()
    {
        using var connection = _database.Open();
        using var command = connection.Command("SELECT id, name FROM people WHERE name IS NOT NULL");
        using var reader = command.ExecuteReader();
        var names = new Dictionary<long, string>();
        while (reader.Read())
        {
            names[reader.GetInt64(0)] = reader.GetString(1);
        }
        return names;
    }
}
