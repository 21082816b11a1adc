using System.Security.Cryptography;
using System.Text;
using KeycardSentry.Internal;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeycardSentry.Orleans;

/// <summary>
/// Derives the key of a user's <see cref="IUserTokenGrain"/>. The key only routes a call to a grain; it proves nothing.
/// The grain validates the subject token itself and serves only a caller whose validated identity derives the same key.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A JWT routes to <c>jwt:</c> + lowercase hex SHA-256 of <c>sub:{iss}|{sub}</c>, read from the token without
/// validation. That string is the validator's binding key for a validated JWT, so every token of one user (including
/// renewed ones) reaches the same grain, while the hash keeps issuer and subject out of grain ids, logs and the dashboard.</item>
/// <item>Anything else (an opaque token, or a JWT without <c>iss</c>/<c>sub</c>) routes to <c>opaque:</c> + lowercase hex
/// SHA-256 of the token, so every opaque token has its own grain and a cached token is only ever served to a caller
/// presenting the very same token.</item>
/// </list>
/// </remarks>
public static class UserTokenGrainKey
{
    /// <summary>The prefix of keys of JWT-routed grains.</summary>
    public const string JwtPrefix = "jwt:";

    /// <summary>The prefix of keys of opaque-token grains.</summary>
    public const string OpaquePrefix = "opaque:";

    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>The grain key a subject token routes to (unvalidated: routing only).</summary>
    public static string ForSubjectToken(string subjectToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectToken);
        if (TryReadIssuerAndSubject(subjectToken, out var issuer, out var subject))
        {
            return ForJwtBinding($"sub:{issuer}|{subject}");
        }

        return ForOpaqueToken(subjectToken);
    }

    /// <summary>The key for a validated identity: its binding key for a validated JWT, else the presented token's hash.</summary>
    internal static string ForIdentity(SubjectIdentity identity, string subjectToken) =>
        identity.IsValidatedJwt ? ForJwtBinding(identity.BindingKey) : ForOpaqueToken(subjectToken);

    // Runs on every grain call for an opaque token: hash from a stack buffer, no byte arrays.
    internal static string ForOpaqueToken(string subjectToken) => OpaquePrefix + SubjectTokenHash.Compute(subjectToken).ToHexLower();

    private static string ForJwtBinding(string bindingKey) => JwtPrefix + Sha256Hex(bindingKey);

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static bool TryReadIssuerAndSubject(string token, out string issuer, out string subject)
    {
        issuer = subject = string.Empty;
        if (!Handler.CanReadToken(token))
        {
            return false;
        }

        try
        {
            var jwt = Handler.ReadJsonWebToken(token);
            if (string.IsNullOrEmpty(jwt.Issuer) || string.IsNullOrEmpty(jwt.Subject))
            {
                return false;
            }

            issuer = jwt.Issuer;
            subject = jwt.Subject;
            return true;
        }
        catch (ArgumentException)
        {
            // Looks like a JWT but is not one: treat as opaque, the grain decides what it proves.
            return false;
        }
    }
}
