namespace KeycardSentry.Internal;

/// <summary>
/// Subject tokens an API answered 401 twice (to the cached token and to a fresh one), remembered for
/// <see cref="KeycardApiOptions.UnauthorizedCooldown"/> so the next calls fail at once instead of each costing a new
/// exchange and a request the API will refuse. Keyed by the token's SHA-256 (never the token); one per API.
/// </summary>
internal sealed class UnauthorizedSubjects(TimeSpan cooldown, TimeProvider time)
{
    private readonly BoundedCache<SubjectTokenHash, Until> _entries = new(10_000, e => e.Value <= time.GetUtcNow(), e => e.Value.UtcTicks);

    public bool IsCoolingDown(string subjectToken)
    {
        // The common case, nobody remembered: no hashing, no lookup.
        if (_entries.IsEmpty)
        {
            return false;
        }

        var hash = SubjectTokenHash.Of(subjectToken);
        if (!_entries.TryGetValue(hash, out var until))
        {
            return false;
        }

        if (time.GetUtcNow() < until.Value)
        {
            return true;
        }

        _entries.Remove(hash, until);
        return false;
    }

    public void Remember(string subjectToken)
    {
        if (cooldown > TimeSpan.Zero)
        {
            _entries.Set(SubjectTokenHash.Of(subjectToken), new Until(time.GetUtcNow() + cooldown));
        }
    }

    private sealed record Until(DateTimeOffset Value);
}
