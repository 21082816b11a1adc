namespace KeycardSentry;

/// <summary>
/// Gives the Keycard token handler the subject token of the call being sent. The default reads
/// <see cref="KeycardSubject.Current"/>; an app can register its own (e.g. reading the bearer token of the current
/// <c>HttpContext</c>). It is asked per request and must never keep per-user state in fields.
/// </summary>
public interface ISubjectTokenAccessor
{
    /// <summary>The user's Keycard access token for the current call, or null when there is none.</summary>
    string? GetSubjectToken();
}
