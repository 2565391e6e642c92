using TagWorker.Faces;

namespace TagWorker.Tests.Faces;

/// <summary>The second grouping stage on hand-made embeddings: what it joins, and the rules it never breaks.</summary>
public sealed class AverageLinkageTests
{
    private const double Link = 0.30; // the manifest's value for w600k_mbf
    private readonly List<ClusterFace> _faces = [];

    [Fact]
    public void A_face_between_two_people_joins_one_of_them_but_does_not_chain_them_together()
    {
        var alice = Person(axis: 0, faces: 4);
        var bob = Person(axis: 1, faces: 4);
        var between = Add(Vector((0, 1), (1, 1)));
        var labels = Labels((alice, 0), (bob, 1));

        AverageLinkage.Merge(_faces, labels, Eligible(), Link);

        Assert.NotEqual(labels[alice[0]], labels[bob[0]]);
        Assert.True(labels[between] == labels[alice[0]] || labels[between] == labels[bob[0]]);
        Assert.All(alice, i => Assert.Equal(labels[alice[0]], labels[i]));
        Assert.All(bob, i => Assert.Equal(labels[bob[0]], labels[i]));
    }

    [Fact]
    public void Two_pieces_of_one_person_merge_unless_they_share_a_photo()
    {
        var front = Person(axis: 0, faces: 3, tilt: 2);
        var profile = Person(axis: 0, faces: 3, tilt: 3);
        var labels = Labels((front, 0), (profile, 1));
        AverageLinkage.Merge(_faces, labels, Eligible(), Link);
        Assert.Equal(labels[front[0]], labels[profile[0]]);

        _faces[profile[0]] = _faces[profile[0]] with { PhotoId = _faces[front[0]].PhotoId }; // one photo with both faces
        labels = Labels((front, 0), (profile, 1));
        AverageLinkage.Merge(_faces, labels, Eligible(), Link);
        Assert.NotEqual(labels[front[0]], labels[profile[0]]);
    }

    [Fact]
    public void Groups_holding_two_confirmed_people_or_a_not_this_person_never_merge()
    {
        var front = Person(axis: 0, faces: 3, tilt: 2);
        var profile = Person(axis: 0, faces: 3, tilt: 3);
        var anchors = new long?[_faces.Count];
        anchors[front[0]] = 10;
        anchors[profile[0]] = 11;
        var labels = Labels((front, 0), (profile, 1));
        AverageLinkage.Merge(
            _faces,
            labels,
            Eligible(),
            Link,
            new LinkRules(anchors, Array.Empty<(long, long)>().ToLookup(l => l.Item1, l => l.Item2))
        );
        Assert.NotEqual(labels[front[0]], labels[profile[0]]);

        anchors[profile[0]] = null;
        var notTen = new[] { (_faces[profile[1]].Id, 10L) }.ToLookup(l => l.Item1, l => l.Item2);
        labels = Labels((front, 0), (profile, 1));
        AverageLinkage.Merge(_faces, labels, Eligible(), Link, new LinkRules(anchors, notTen));
        Assert.NotEqual(labels[front[0]], labels[profile[0]]);
    }

    [Fact]
    public void Just_below_the_link_two_pieces_merge_when_that_is_close_for_how_alike_their_own_faces_are()
    {
        // Both pairs of pieces link at 0.27. Loose pieces (their faces 0.5 alike: one person in varied photos) merge;
        // tight pieces (0.65 alike, as two sisters' groups are) stay apart.
        var loose = (
            Piece(tilt: 2, weight: 0.922f, privateWeight: 1.36f),
            Piece(tilt: 3, weight: 0.922f, privateWeight: 1.36f)
        );
        var tight = (
            Piece(tilt: 4, weight: 1.185f, privateWeight: 1.138f, axis: 1),
            Piece(tilt: 5, weight: 1.185f, privateWeight: 1.138f, axis: 1)
        );
        var labels = Labels((loose.Item1, 0), (loose.Item2, 1), (tight.Item1, 2), (tight.Item2, 3));

        AverageLinkage.Merge(_faces, labels, Eligible(), Link);

        Assert.Equal(labels[loose.Item1[0]], labels[loose.Item2[0]]);
        Assert.NotEqual(labels[tight.Item1[0]], labels[tight.Item2[0]]);
    }

    [Fact]
    public void Good_faces_left_alone_by_DBSCAN_form_a_group_and_strangers_stay_alone()
    {
        var pair = new[] { Add(Vector((0, 1), (2, 0.9f))), Add(Vector((0, 1), (3, 0.9f))) }; // cosine 0.55: outside eps 0.45, above the link
        var stranger = Add(Vector((5, 1)));
        var labels = Enumerable.Repeat(CosineDbscan.Noise, _faces.Count).ToArray();

        AverageLinkage.Merge(_faces, labels, Eligible(), Link);

        Assert.True(labels[pair[0]] >= 0 && labels[pair[0]] == labels[pair[1]]);
        Assert.Equal(CosineDbscan.Noise, labels[stranger]);
    }

    [Fact]
    public void A_blurry_face_joins_the_group_it_is_clearly_like_and_never_seeds_one()
    {
        var alice = Person(axis: 0, faces: 4);
        var bob = Person(axis: 1, faces: 4);
        var blurryAlice = Add(Vector((0, 1), (6, 1.2f)));
        var blurryBetween = Add(Vector((0, 1), (1, 1), (6, 1.2f)));
        var blurryStrangers = new[] { Add(Vector((7, 1), (4, 0.2f))), Add(Vector((7, 1), (5, 0.2f))) };
        var eligible = Eligible();
        foreach (var i in new[] { blurryAlice, blurryBetween }.Concat(blurryStrangers))
        {
            eligible[i] = false;
        }
        var labels = Labels((alice, 0), (bob, 1));

        AverageLinkage.Merge(_faces, labels, eligible, Link);
        AverageLinkage.Attach(_faces, labels, eligible, Link, FaceClusterer.AttachMargin);

        Assert.Equal(labels[alice[0]], labels[blurryAlice]);
        Assert.Equal(CosineDbscan.Noise, labels[blurryBetween]); // as much Bob as Alice: left for the owner
        Assert.All(blurryStrangers, i => Assert.Equal(CosineDbscan.Noise, labels[i]));
    }

    private int[] Person(int axis, int faces, int tilt = -1)
    {
        // Faces of one person: the person's axis plus a little of a private axis each, and optionally a shared tilt (a
        // pose).
        return Enumerable
            .Range(0, faces)
            .Select(k =>
                Add(
                    tilt >= 0
                        ? Vector((axis, 1), (tilt, 0.5f), (8 + (_faces.Count % 8), 0.3f))
                        : Vector((axis, 1), (8 + (_faces.Count % 8), 0.3f))
                )
            )
            .ToArray();
    }

    private int[] Piece(int tilt, float weight, float privateWeight, int axis = 0) =>
        Enumerable
            .Range(0, 3)
            .Select(_ => Add(Vector((axis, 1), (tilt, weight), (16 + _faces.Count, privateWeight))))
            .ToArray();

    private int Add(float[] embedding)
    {
        _faces.Add(new ClusterFace(_faces.Count + 1, 1000 + _faces.Count, 0.9f, 100, embedding));
        return _faces.Count - 1;
    }

    private static float[] Vector(params (int Axis, float Weight)[] parts)
    {
        var v = new float[64];
        foreach (var (axis, weight) in parts)
        {
            v[axis] += weight;
        }
        TagWorker.Inference.FaceEmbedder.Normalise(v);
        return v;
    }

    private int[] Labels(params (int[] Members, int Label)[] groups)
    {
        var labels = Enumerable.Repeat(CosineDbscan.Noise, _faces.Count).ToArray();
        foreach (var (members, label) in groups)
        {
            foreach (var i in members)
            {
                labels[i] = label;
            }
        }
        return labels;
    }

    private bool[] Eligible() => Enumerable.Repeat(true, _faces.Count).ToArray();
}
