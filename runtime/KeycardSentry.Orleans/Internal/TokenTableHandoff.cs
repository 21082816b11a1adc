using KeycardSentry.Internal;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// The tokens of a user grain that Orleans deactivated while its user was still active, kept in this silo for the
/// next activation of the same grain here. Orleans deactivates live activations when its grain directory changes under
/// them: after a silo dies, a survivor's activation whose directory entry lived in the dead silo goes, and a duplicate
/// activation made during the membership change is resolved by deactivating one. The next call activates the grain
/// again in the same silo; without this it would exchange at Keycard again, a second extra exchange for a user whose
/// first activation died with the dead silo.
/// </summary>
/// <remarks>
/// Only the same grain key takes a table (the key is the user's <see cref="SubjectBinding"/>, and every call still
/// proves it), only within <see cref="Window"/>, and only in this silo's memory, as the activation's own table was. Not
/// handed over: deactivation for idleness (an idle user's tokens go, as documented), for memory pressure (the point
/// is to free it) and at shutdown.
/// </remarks>
internal sealed class TokenTableHandoff
{
    /// <summary>How long a table waits for the grain's next activation.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>The most tables waiting at once (a silo losing its directory for many users at once keeps the most recent).</summary>
    public const int Capacity = 10_000;

    private readonly TimeProvider _time;
    private readonly BoundedCache<string, Handed> _tables;

    public TokenTableHandoff(TimeProvider time)
    {
        _time = time;
        _tables = new BoundedCache<string, Handed>(Capacity, h => h.Until <= time.GetUtcNow(), h => h.Until.UtcTicks, StringComparer.Ordinal);
    }

    /// <summary>How many tables wait now.</summary>
    internal int Count => _tables.Count;

    /// <summary>True when a deactivation for <paramref name="reason"/> hands the grain's tokens to its next activation.</summary>
    public static bool HandsOver(DeactivationReasonCode reason) =>
        reason is not (DeactivationReasonCode.ActivationIdle or DeactivationReasonCode.HighMemoryPressure or DeactivationReasonCode.ShuttingDown);

    /// <summary>Leaves <paramref name="table"/> for the next activation of <paramref name="grainKey"/> in this silo.</summary>
    public void Leave(string grainKey, TokenTable table) => _tables.Set(grainKey, new Handed(table, _time.GetUtcNow() + Window));

    /// <summary>The table the last activation of <paramref name="grainKey"/> left within <see cref="Window"/>, taken (only once); else null.</summary>
    public TokenTable? Take(string grainKey)
    {
        if (_tables.IsEmpty || !_tables.TryGetValue(grainKey, out var handed) || !_tables.Remove(grainKey, handed))
        {
            return null;
        }

        if (handed.Until <= _time.GetUtcNow())
        {
            handed.Table.Clear();
            return null;
        }

        return handed.Table;
    }

    private sealed record Handed(TokenTable Table, DateTimeOffset Until);
}
