namespace KeycardSentry.Internal;

/// <summary>
/// Decides who a subject token proves. The in-process cache, the Orleans provider (when it has the zone's keys), the
/// silo's gateway and every user token grain call it before any cached token leaves them.
/// </summary>
internal interface ISubjectTokenValidator
{
    /// <summary>Validates the subject token and returns the identity it proves.</summary>
    /// <exception cref="KeycardSubjectException">The token is too large, malformed, expired, not yet valid, forged, for another audience, or of a kind not accepted.</exception>
    ValueTask<SubjectIdentity> ValidateAsync(string subjectToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates a subject token that arrived in a grain message, as <see cref="ValidateAsync"/> does. A token read off
    /// the wire is a new string on every call, so neither its hash nor its shape check is remembered by string instance
    /// (that would add a weak-handle entry per call and never hit, and make every collection slower).
    /// </summary>
    /// <exception cref="KeycardSubjectException">As for <see cref="ValidateAsync"/>.</exception>
    ValueTask<SubjectIdentity> ValidateReceivedAsync(string subjectToken);
}

/// <summary>Who a subject token proves.</summary>
/// <param name="Binding">Whose cached tokens the caller may have (see <see cref="SubjectBinding"/>).</param>
/// <param name="TokenHash">The SHA-256 of the presented token itself (never the token).</param>
/// <param name="ExpiresAt">The subject token's <c>exp</c>, when known (a validated JWT).</param>
internal sealed record SubjectIdentity(SubjectBinding Binding, SubjectTokenHash TokenHash, DateTimeOffset? ExpiresAt)
{
    /// <summary>True when the token was a JWT whose signature, issuer, audience and lifetime were validated.</summary>
    public bool IsValidatedJwt => Binding.IsJwt;
}
