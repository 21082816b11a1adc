namespace KeycardSentry;

/// <summary>
/// Decides who a subject token proves. Both the in-process cache and the Orleans grains call it before any cached
/// token leaves them. A JWT is validated against the zone's JWKS (signature, issuer, expiry, not-before) and is bound
/// by its <c>sub</c>; an opaque token (or a zone without JWKS) is bound by the SHA-256 of the token itself, so only a
/// caller presenting the very same token matches.
/// </summary>
public interface ISubjectTokenValidator
{
    /// <summary>Validates the subject token and returns the identity it proves.</summary>
    /// <exception cref="KeycardSubjectException">The token is expired, not yet valid, forged or malformed.</exception>
    ValueTask<SubjectIdentity> ValidateAsync(string subjectToken, CancellationToken cancellationToken = default);
}

/// <summary>Who a subject token proves.</summary>
/// <param name="BindingKey">
/// The cache binding key: <c>sub:{issuer}|{sub}</c> for a validated JWT, <c>token:{sha256-hex}</c> for an opaque token.
/// Two callers get the same cached token only when their binding keys are equal (compared in constant time).
/// </param>
/// <param name="Subject">The JWT <c>sub</c>, when validated; null for opaque tokens.</param>
/// <param name="ExpiresAt">The subject token's <c>exp</c>, when known.</param>
public sealed record SubjectIdentity(string BindingKey, string? Subject, DateTimeOffset? ExpiresAt)
{
    /// <summary>True when the token was a JWT whose signature, issuer and lifetime were validated.</summary>
    public bool IsValidatedJwt => Subject is not null;
}
