namespace KeycardSentry;

/// <summary>
/// The subject token of the current call, carried in an <see cref="AsyncLocal{T}"/> so it flows with the call and not
/// with the (pooled, shared) HTTP handler. Wrap each call made for a user:
/// <code>
/// using (KeycardSubject.Use(userKeycardToken))
/// {
///     var org = await sentry.GetOrganizationAsync("acme");
/// }
/// </code>
/// </summary>
public static class KeycardSubject
{
    private static readonly AsyncLocal<string?> CurrentToken = new();

    /// <summary>The subject token set by the innermost <see cref="Use"/> on this async flow, or null.</summary>
    public static string? Current => CurrentToken.Value;

    /// <summary>Makes <paramref name="subjectToken"/> (the user's Keycard access token) the subject of calls on this async flow until the result is disposed.</summary>
    public static IDisposable Use(string subjectToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectToken);
        var previous = CurrentToken.Value;
        CurrentToken.Value = subjectToken;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                CurrentToken.Value = previous;
            }
        }
    }
}
