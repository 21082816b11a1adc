namespace KeycardSentry.Internal;

/// <summary>What the runtime knows about the zone right now, for the start-up log and the health check.</summary>
internal sealed class KeycardZoneStatus
{
    private volatile Snapshot _current = new(ZoneState.NotChecked, null, false);

    public Snapshot Current => _current;

    public void Reached(bool hasJwks) => _current = new Snapshot(ZoneState.Reachable, null, hasJwks);

    public void Failed(string error) => _current = new Snapshot(ZoneState.Unreachable, error, _current.HasJwks);

    internal enum ZoneState
    {
        NotChecked,
        Reachable,
        Unreachable,
    }

    /// <param name="State">Whether the metadata was read.</param>
    /// <param name="Error">The last failure, sanitised; null when none.</param>
    /// <param name="HasJwks">Whether the zone publishes signing keys.</param>
    internal sealed record Snapshot(ZoneState State, string? Error, bool HasJwks);
}
