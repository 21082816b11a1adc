using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using KeycardSentry.Internal;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeycardSentry.Internal;

/// <summary>
/// Who a cached token belongs to: the one place that turns a subject token into a binding, writes its string form and
/// compares two of them. A validated JWT binds by its issuer and subject, so every token of one user (renewed ones too)
/// shares the binding; anything else binds by the SHA-256 of the token itself, so only the very same token matches.
/// The validator, the in-process cache, the Orleans near cache and the grain key all use this type.
/// </summary>
/// <remarks>
/// The string form (<see cref="Key"/>) is <c>jwt:</c> + hex SHA-256 of <c>{iss}\n{sub}</c>, or <c>opaque:</c> + hex
/// SHA-256 of the token: it keeps the issuer, subject and token out of grain ids, logs and dashboards. Equality compares
/// the kind and the 32-byte hash; <see cref="FixedTimeEquals"/> is the comparison to use before trusting a match.
/// <see cref="ToString"/> prints the kind only.
/// </remarks>
internal sealed class SubjectBinding : IEquatable<SubjectBinding>
{
    public const string JwtPrefix = "jwt:";
    public const string OpaquePrefix = "opaque:";

    private static readonly JsonWebTokenHandler Reader = new() { MapInboundClaims = false };
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private string? _key;

    private SubjectBinding(bool isJwt, SubjectTokenHash hash, string? key = null)
    {
        IsJwt = isJwt;
        Hash = hash;
        _key = key;
    }

    /// <summary>True for a JWT binding (issuer and subject), false for an opaque one (the token's own hash).</summary>
    public bool IsJwt { get; }

    /// <summary>The 32-byte hash the binding is made of (of <c>{iss}\n{sub}</c>, or of the token).</summary>
    public SubjectTokenHash Hash { get; }

    /// <summary>The string form: <c>jwt:{hex}</c> or <c>opaque:{hex}</c>; also the key of the user's token grain. Written when first asked for.</summary>
    public string Key => _key ??= (IsJwt ? JwtPrefix : OpaquePrefix) + Hash.ToHexLower();

    /// <summary>The binding of a JWT whose signature, issuer and lifetime were validated.</summary>
    public static SubjectBinding ForJwt(string issuer, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentException.ThrowIfNullOrEmpty(subject);

        // A newline cannot appear in a validated issuer or subject claim value that we accept, so the pair is unambiguous.
        return new SubjectBinding(true, HashOf(issuer + "\n" + subject));
    }

    /// <summary>The binding of a token that is bound by its own bytes (opaque, or any token when the zone has no JWKS).</summary>
    public static SubjectBinding ForOpaque(in SubjectTokenHash tokenHash) => new(false, tokenHash);

    /// <summary>
    /// Where a subject token routes when nothing has validated it (an Orleans client without the zone's keys): its
    /// unvalidated <c>iss</c>/<c>sub</c> when it reads as a JWT, else its own hash. Routing only: this proves nothing.
    /// </summary>
    public static SubjectBinding Route(string subjectToken, in SubjectTokenHash tokenHash)
    {
        if (subjectToken.AsSpan().Count('.') == 2 && Reader.CanReadToken(subjectToken))
        {
            try
            {
                var jwt = Reader.ReadJsonWebToken(subjectToken);
                if (!string.IsNullOrEmpty(jwt.Issuer) && !string.IsNullOrEmpty(jwt.Subject))
                {
                    return ForJwt(jwt.Issuer, jwt.Subject);
                }
            }
            catch (ArgumentException)
            {
                // Looks like a JWT but is not one: route it as opaque; whoever validates it decides what it proves.
            }
        }

        return ForOpaque(tokenHash);
    }

    /// <summary>
    /// Reads a binding back from its string form (a token grain's key), exactly as <see cref="Key"/> writes it: the
    /// prefix, then 64 lower-case hex digits. Anything else is not a binding.
    /// </summary>
    public static bool TryParseKey(string? key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SubjectBinding? binding)
    {
        binding = null;
        bool isJwt;
        ReadOnlySpan<char> hex;
        if (key is null)
        {
            return false;
        }
        else if (key.StartsWith(JwtPrefix, StringComparison.Ordinal))
        {
            isJwt = true;
            hex = key.AsSpan(JwtPrefix.Length);
        }
        else if (key.StartsWith(OpaquePrefix, StringComparison.Ordinal))
        {
            isJwt = false;
            hex = key.AsSpan(OpaquePrefix.Length);
        }
        else
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[SubjectTokenHash.Size];
        if (hex.Length != 2 * SubjectTokenHash.Size
            || hex.ContainsAnyExcept(LowerHex)
            || Convert.FromHexString(hex, bytes, out _, out var written) != OperationStatus.Done
            || written != SubjectTokenHash.Size)
        {
            return false;
        }

        binding = new SubjectBinding(isJwt, System.Runtime.InteropServices.MemoryMarshal.Read<SubjectTokenHash>(bytes), key);
        return true;
    }

    /// <summary>Compares two bindings in constant time (kind and all 32 bytes).</summary>
    public static bool FixedTimeEquals(SubjectBinding? left, SubjectBinding? right) =>
        left is not null && right is not null && left.IsJwt == right.IsJwt && SubjectTokenHash.FixedTimeEquals(left.Hash, right.Hash);

    public bool Equals(SubjectBinding? other) => other is not null && IsJwt == other.IsJwt && Hash.Equals(other.Hash);

    public override bool Equals(object? obj) => obj is SubjectBinding other && Equals(other);

    public override int GetHashCode() => Hash.GetHashCode();

    public override string ToString() => IsJwt ? "SubjectBinding { jwt }" : "SubjectBinding { opaque }";

    private static SubjectTokenHash HashOf(string value) => SubjectTokenHash.Compute(value);
}
