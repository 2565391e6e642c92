using TagWorker.Faces;
using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>
/// People's mean faces for suggestions on the review pages, and the queue of faces in no group, loaded at most
/// every 30 s (or after a decision made here), so listing groups does not read every embedding on every request.
/// </summary>
public sealed class ProfileCache(Database database, Grouping grouping, TimeProvider clock)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private Dictionary<long, PersonProfile> _profiles = [];
    private PersonProfile[] _named = [];
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private List<(long FaceId, Suggestion? Closest)>? _waiting;

    public void Invalidate()
    {
        lock (_lock)
        {
            _loadedAt = DateTimeOffset.MinValue;
        }
    }

    /// <summary>The named people closest to a group's mean face ("Is this Alice? 0.71").</summary>
    public IReadOnlyList<Suggestion> Suggest(long groupId, int count = 3)
    {
        var (profiles, named) = Current();
        if (!profiles.TryGetValue(groupId, out var group))
        {
            return [];
        }
        return Suggestions.For(group, named, count);
    }

    /// <summary>Faces in no group, most like a named person first (<see
    /// cref="Suggestions.ForWaitingFaces"/>).</summary>
    public IReadOnlyList<(long FaceId, Suggestion? Closest)> WaitingFaces()
    {
        var (_, named) = Current();
        lock (_lock)
        {
            if (_waiting is null)
            {
                using var connection = database.Open();
                _waiting = Suggestions.ForWaitingFaces(connection, grouping.Embedder, named);
            }
            return _waiting;
        }
    }

    private (Dictionary<long, PersonProfile>, PersonProfile[]) Current()
    {
        lock (_lock)
        {
            if (clock.GetUtcNow() - _loadedAt > MaxAge)
            {
                using var connection = database.Open();
                var all = PeopleProfiles.Load(connection, grouping.Embedder);
                _profiles = all.ToDictionary(p => p.Id);
                _named = all.Where(p => p.Name is not null && !p.Ignored).ToArray();
                _waiting = null;
                _loadedAt = clock.GetUtcNow();
            }
            return (_profiles, _named);
        }
    }
}
