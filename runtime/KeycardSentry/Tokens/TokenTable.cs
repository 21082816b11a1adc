namespace KeycardSentry.Internal;

/// <summary>
/// One user's tokens: (resource, scope set) → the cached token, with its freshness, its refresh ahead and the memory of
/// failures. The in-process provider keeps one table per subject binding; a user's Orleans grain keeps one. A call
/// (<see cref="GetAsync"/>) is served the cached token while it is servable; once it is due for a refresh, the first
/// call starts one refresh in the background and every call keeps getting the still-servable token; only a call that
/// finds no servable token waits, and concurrent ones share one fetch. A failed fetch is remembered and answered from
/// memory until a back-off has passed, so a zone that is down is asked at most once per back-off, not once per call.
/// </summary>
/// <remarks>
/// Thread-safe: reads are lock-free snapshots, writes take one small lock per table. Fetches run detached from any one
/// caller's cancellation (the exchange time-out bounds them) and never on the caller's turn for a background refresh.
/// </remarks>
internal sealed class TokenTable
{
    /// <summary>A user asking for more (resource, scope set) pairs than this loses the least recently used.</summary>
    public const int MaxSlots = 32;

    private readonly TokenPolicy _policy;
    private readonly TimeProvider _time;
    private readonly bool _opaqueBinding;
    private readonly Lock _lock = new();
    private Slot[] _slots = [];
    private long _lastUsedTicks;

    public TokenTable(TokenPolicy policy, TimeProvider time, bool opaqueBinding)
    {
        _policy = policy;
        _time = time;
        _opaqueBinding = opaqueBinding;
        _lastUsedTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>When the last call came (UTC ticks of the injected clock), for least-recently-used eviction of whole tables.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsedTicks);

    /// <summary>How many (resource, scope set) slots the table holds.</summary>
    public int Count => Volatile.Read(ref _slots).Length;

    /// <summary>
    /// True when the table has slots and none holds a token that is still servable or a fetch in flight: it can go. A table
    /// without slots is not idle: it was just created for a call that is about to fill it.
    /// </summary>
    public bool IsIdle(DateTimeOffset now)
    {
        var slots = Volatile.Read(ref _slots);
        if (slots.Length == 0)
        {
            return false;
        }

        foreach (var slot in slots)
        {
            if ((slot.Current is { } entry && now < entry.ServableUntil) || slot.Flight is not null || slot.Refreshing)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Gets a servable token for (<paramref name="resource"/>, <paramref name="scopes"/>): the cached one, or one
    /// <paramref name="fetch"/> brings. <paramref name="fetch"/> gets <paramref name="state"/> and the refresh token of
    /// the entry it replaces (null for none) and must exchange or refresh; it runs detached from the caller.
    /// </summary>
    /// <remarks>The caller's <paramref name="subjectHash"/> matters for remembered failures: a refusal of another subject token of the same user does not block this one.</remarks>
    public ValueTask<TokenEntry> GetAsync<TState>(
        string resource,
        string scopes,
        in SubjectTokenHash subjectHash,
        TState state,
        Func<TState, string?, Task<KeycardExchangeResponse>> fetch,
        CancellationToken cancellationToken)
    {
        // One clock read per call: it dates the call for eviction and decides freshness.
        var now = _time.GetUtcNow();
        Volatile.Write(ref _lastUsedTicks, now.UtcTicks);
        var slot = Find(resource, scopes);
        if (slot?.Current is { } entry && now < entry.ServableUntil)
        {
            if (now >= entry.RefreshAt)
            {
                StartRefresh(slot, entry, state, fetch, now);
            }

            return new ValueTask<TokenEntry>(entry);
        }

        return new ValueTask<TokenEntry>(WaitForFetchAsync(slot ?? AddSlot(resource, scopes), subjectHash, state, fetch, now, cancellationToken));
    }

    /// <summary>Drops the cached token of the slot if it still has <paramref name="fingerprint"/>; a stale fingerprint changes nothing.</summary>
    public bool Invalidate(string resource, string scopes, string fingerprint)
    {
        var slot = Find(resource, scopes);
        if (slot is null)
        {
            return false;
        }

        lock (_lock)
        {
            if (slot.Current is { } entry && FixedTimeEquals(entry.Token.Fingerprint, fingerprint))
            {
                // The refresh token stays: a new fetch may still use it.
                slot.Current = null;
                slot.StaleRefreshToken = entry.RefreshToken;
                return true;
            }

            return false;
        }
    }

    /// <summary>Drops everything (the owner is going away).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            Volatile.Write(ref _slots, []);
        }
    }

    private Slot? Find(string resource, string scopes)
    {
        foreach (var slot in Volatile.Read(ref _slots))
        {
            if ((ReferenceEquals(slot.Resource, resource) || string.Equals(slot.Resource, resource, StringComparison.Ordinal))
                && (ReferenceEquals(slot.Scopes, scopes) || string.Equals(slot.Scopes, scopes, StringComparison.Ordinal)))
            {
                return slot;
            }
        }

        return null;
    }

    private Slot AddSlot(string resource, string scopes)
    {
        lock (_lock)
        {
            if (Find(resource, scopes) is { } existing)
            {
                return existing;
            }

            var slots = _slots;
            var slot = new Slot(resource, scopes);
            if (slots.Length >= MaxSlots)
            {
                // Keep the most recently used; a slot with a fetch in flight is kept by its waiters anyway.
                slots = [.. slots.OrderByDescending(s => s.LastUsed).Take(MaxSlots - 1)];
            }

            Volatile.Write(ref _slots, [.. slots, slot]);
            return slot;
        }
    }

    private async Task<TokenEntry> WaitForFetchAsync<TState>(
        Slot slot,
        SubjectTokenHash subjectHash,
        TState state,
        Func<TState, string?, Task<KeycardExchangeResponse>> fetch,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        slot.LastUsed = now.UtcTicks;
        Task<TokenEntry> flight;
        lock (_lock)
        {
            if (slot.Current is { } entry && now < entry.ServableUntil)
            {
                return entry; // another caller's fetch finished meanwhile
            }

            if (slot.Failure is { } failure && now < failure.RetryAt && failure.Blocks(subjectHash))
            {
                // Remembered: answer at once, without asking Keycard again before the back-off has passed.
                throw failure.Rethrowable();
            }

            flight = slot.Flight ??= Task.Run(() => FetchAsync(slot, subjectHash, state, fetch));
        }

        return await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<TokenEntry> FetchAsync<TState>(Slot slot, SubjectTokenHash subjectHash, TState state, Func<TState, string?, Task<KeycardExchangeResponse>> fetch)
    {
        try
        {
            var response = await fetch(state, slot.Current?.RefreshToken ?? slot.StaleRefreshToken).ConfigureAwait(false);
            var entry = NewEntry(response);
            lock (_lock)
            {
                slot.Current = entry;
                slot.StaleRefreshToken = null;
                slot.Failure = null;
                slot.Flight = null;
            }

            return entry;
        }
        catch (Exception ex) when (ex is KeycardExchangeException or KeycardSubjectException)
        {
            lock (_lock)
            {
                var failures = (slot.Failure?.Count ?? 0) + 1;
                var retryable = ex is KeycardExchangeException { IsRetryable: true };
                slot.Failure = new Failure(ex, failures, _time.GetUtcNow() + _policy.Backoff(failures), retryable ? null : subjectHash);
                slot.Flight = null;
            }

            throw;
        }
        catch
        {
            lock (_lock)
            {
                slot.Flight = null;
            }

            throw;
        }
    }

    private void StartRefresh<TState>(Slot slot, TokenEntry entry, TState state, Func<TState, string?, Task<KeycardExchangeResponse>> fetch, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (slot.Refreshing || !ReferenceEquals(slot.Current, entry) || now < slot.NextRefreshAttempt)
            {
                return;
            }

            slot.Refreshing = true;
        }

        _ = Task.Run(() => RefreshAsync(slot, entry, state, fetch));
    }

    private async Task RefreshAsync<TState>(Slot slot, TokenEntry entry, TState state, Func<TState, string?, Task<KeycardExchangeResponse>> fetch)
    {
        try
        {
            var response = await fetch(state, entry.RefreshToken).ConfigureAwait(false);
            var renewed = NewEntry(response);
            lock (_lock)
            {
                // A caller's fetch or an invalidation may have replaced the entry meanwhile; keep the newer token.
                if (slot.Current is null || ReferenceEquals(slot.Current, entry) || slot.Current.ReceivedAt <= renewed.ReceivedAt)
                {
                    slot.Current = renewed;
                }

                slot.RefreshFailures = 0;
                slot.NextRefreshAttempt = DateTimeOffset.MinValue;
            }
        }
        catch (Exception)
        {
            // Whatever failed (Keycard, the network, a refused subject), the background refresh backs off.
            lock (_lock)
            {
                slot.RefreshFailures++;

                // The token is still served; the next attempt waits out a growing back-off (never a tight loop).
                slot.NextRefreshAttempt = _time.GetUtcNow() + _policy.Backoff(slot.RefreshFailures);
            }
        }
        finally
        {
            lock (_lock)
            {
                slot.Refreshing = false;
            }
        }
    }

    private TokenEntry NewEntry(KeycardExchangeResponse response)
    {
        var receivedAt = _time.GetUtcNow();
        var servableUntil = _policy.ServableUntil(receivedAt, response.Token.ExpiresAt, _opaqueBinding);
        return new TokenEntry(response.Token, response.RefreshToken, receivedAt, servableUntil, _policy.RefreshAt(receivedAt, servableUntil));
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()));

    private sealed class Slot(string resource, string scopes)
    {
        public string Resource { get; } = resource;

        public string Scopes { get; } = scopes;

        public volatile TokenEntry? Current;

        public string? StaleRefreshToken { get; set; }

        public Task<TokenEntry>? Flight { get; set; }

        public Failure? Failure { get; set; }

        public bool Refreshing { get; set; }

        public int RefreshFailures { get; set; }

        public DateTimeOffset NextRefreshAttempt { get; set; } = DateTimeOffset.MinValue;

        public long LastUsed { get; set; }
    }

    /// <summary>A remembered failure: answered again until <see cref="RetryAt"/>.</summary>
    private sealed class Failure(Exception error, int count, DateTimeOffset retryAt, SubjectTokenHash? subjectHash)
    {
        public int Count { get; } = count;

        public DateTimeOffset RetryAt { get; } = retryAt;

        /// <summary>A retryable failure (the zone) blocks every caller; a refusal blocks only the subject token it was about.</summary>
        public bool Blocks(in SubjectTokenHash caller) => subjectHash is not { } own || SubjectTokenHash.FixedTimeEquals(own, caller);

        public Exception Rethrowable() => error switch
        {
            KeycardExchangeException e => new KeycardExchangeException(e.Message, e.StatusCode, e.Error, e.ErrorDescription, e.ErrorUri, e.IsRetryable, e),
            KeycardSubjectException e => new KeycardSubjectException(e.Message, e),
            var other => other,
        };
    }
}

/// <summary>A cached token and the instants that govern it.</summary>
/// <param name="Token">The token.</param>
/// <param name="RefreshToken">Keycard's refresh token, if any; never leaves the owner of the table.</param>
/// <param name="ReceivedAt">When it arrived (injected clock).</param>
/// <param name="ServableUntil">Served to callers until this instant.</param>
/// <param name="RefreshAt">From this instant a call starts a refresh in the background; <see cref="DateTimeOffset.MaxValue"/> for none.</param>
internal sealed record TokenEntry(KeycardToken Token, string? RefreshToken, DateTimeOffset ReceivedAt, DateTimeOffset ServableUntil, DateTimeOffset RefreshAt)
{
    /// <summary>While a refresh is due or in flight, a copy asks the owner again this soon (it lands in about one exchange).</summary>
    public static readonly TimeSpan CopyAskAgainDuringRefresh = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When a copy (the Orleans near cache) should ask the owner again: at the refresh point, or a second from now once it
    /// has passed (the refresh is on its way); never after <see cref="ServableUntil"/> (a token without refresh ahead has
    /// no refresh point).
    /// </summary>
    public DateTimeOffset CopyAskAgainAt(DateTimeOffset now)
    {
        if (now < RefreshAt)
        {
            return RefreshAt < ServableUntil ? RefreshAt : ServableUntil;
        }

        var brief = now + CopyAskAgainDuringRefresh;
        return brief < ServableUntil ? brief : ServableUntil;
    }

    public override string ToString() => $"TokenEntry {{ {Token}, ServableUntil = {ServableUntil:O}, RefreshAt = {RefreshAt:O}, HasRefreshToken = {RefreshToken is not null} }}";
}
