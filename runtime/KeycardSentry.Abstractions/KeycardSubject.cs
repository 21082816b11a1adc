namespace KeycardSentry;

/// <summary>
/// The subject token of the current call, carried in an <see cref="AsyncLocal{T}"/> so it flows with the call and not
/// with the (pooled, shared) HTTP handler. Wrap each call made for a user:
/// <code>
/// using (KeycardSubject.Use(userKeycardToken))
/// {
///     var org = await organizations.GetOrganizationAsync("acme");
/// }
/// </code>
/// </summary>
/// <remarks>
/// Scopes nest. Disposing a scope restores the subject that was current when it was opened, but only while the
/// current subject is still the one this scope set: a scope disposed out of order (an outer one before an inner one)
/// changes nothing, and no dispose ever brings back a subject whose own scope is already closed.
/// </remarks>
public static class KeycardSubject
{
    private static readonly AsyncLocal<Scope?> CurrentScope = new();

    /// <summary>The subject token set by the innermost open <see cref="Use"/> on this async flow, or null.</summary>
    public static string? Current => CurrentScope.Value?.SubjectToken;

    /// <summary>Makes <paramref name="subjectToken"/> (the user's Keycard access token) the subject of calls on this async flow until the result is disposed.</summary>
    public static IDisposable Use(string subjectToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectToken);
        var scope = new Scope(subjectToken, CurrentScope.Value);
        CurrentScope.Value = scope;
        return scope;
    }

    private sealed class Scope(string subjectToken, Scope? previous) : IDisposable
    {
        private bool _disposed;

        public string SubjectToken { get; } = subjectToken;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!ReferenceEquals(CurrentScope.Value, this))
            {
                // Disposed out of order (or on another flow): the current subject belongs to someone else.
                return;
            }

            // Skip scopes that were closed out of order while this one was current: their subject is stale.
            var restore = previous;
            while (restore is { _disposed: true })
            {
                restore = restore.Previous;
            }

            CurrentScope.Value = restore;
        }

        private Scope? Previous => previous;
    }
}
