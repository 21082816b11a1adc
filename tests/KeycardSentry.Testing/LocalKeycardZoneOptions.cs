namespace KeycardSentry.Testing;

/// <summary>How a <see cref="LocalKeycardZone"/> behaves. Every member has a default that mirrors a well-behaved Keycard zone.</summary>
public sealed class LocalKeycardZoneOptions
{
    /// <summary>The Keycard scopes granted for Sentry by default: <c>event:read project:read org:read</c>.</summary>
    public static IReadOnlyList<string> KeycardDefaultScopes { get; } = ["event:read", "project:read", "org:read"];

    /// <summary>The client id the token endpoint accepts. Default <c>keycard-test-client</c>.</summary>
    public string ClientId { get; set; } = "keycard-test-client";

    /// <summary>The client secret the token endpoint accepts. Default <c>keycard-test-secret</c>.</summary>
    public string ClientSecret { get; set; } = "keycard-test-secret";

    /// <summary>Whether <c>client_secret_basic</c> with <see cref="ClientSecret"/> is accepted. Default true; false models a zone where the client has no secret at all.</summary>
    public bool AcceptClientSecret { get; set; } = true;

    /// <summary>
    /// Public keys registered for <c>private_key_jwt</c> (RFC 7523): a client assertion must be signed with one of them
    /// and name it by <c>kid</c> (each key's <see cref="Microsoft.IdentityModel.Tokens.SecurityKey.KeyId"/>). Empty (the
    /// default) refuses every client assertion.
    /// </summary>
    public IList<Microsoft.IdentityModel.Tokens.SecurityKey> ClientAssertionKeys { get; } = [];

    /// <summary>The <c>aud</c> a client assertion must carry; null (the default) means the zone's token endpoint URL.</summary>
    public string? ClientAssertionAudience { get; set; }

    /// <summary>The clock for minted subject tokens, issued access tokens and subject-token validation. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The lifetime of issued access tokens, sent as <c>expires_in</c>; null omits <c>expires_in</c> (the token then lives one hour on the zone). Default one hour.</summary>
    public TimeSpan? AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The default lifetime of <see cref="LocalKeycardZone.MintSubjectToken"/> tokens. Default one hour.</summary>
    public TimeSpan SubjectTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The <c>aud</c> claim of minted subject tokens (what an app sets as <c>Keycard:SubjectAudience</c>). Default <see cref="DefaultSubjectAudience"/>.</summary>
    public string SubjectAudience { get; set; } = DefaultSubjectAudience;

    /// <summary>The default audience of minted subject tokens, <c>keycardsentry-app</c>.</summary>
    public const string DefaultSubjectAudience = "keycardsentry-app";

    /// <summary>Whether responses carry a <c>refresh_token</c> (and <c>grant_type=refresh_token</c> is accepted with it). Default false.</summary>
    public bool IssueRefreshTokens { get; set; }

    /// <summary>Whether responses carry <c>scope</c>. Default true.</summary>
    public bool IncludeScopeInResponse { get; set; } = true;

    /// <summary>Whether responses carry <c>issued_token_type</c>. Default true.</summary>
    public bool IncludeIssuedTokenType { get; set; } = true;

    /// <summary>Whether the metadata lists a <c>jwks_uri</c> (without it clients must treat subject tokens as opaque). Default true.</summary>
    public bool PublishJwks { get; set; } = true;

    /// <summary>The scopes a user is granted unless <see cref="GrantedScopesByUser"/> says otherwise. Default <see cref="KeycardDefaultScopes"/>.</summary>
    public IReadOnlyList<string> DefaultGrantedScopes { get; set; } = KeycardDefaultScopes;

    /// <summary>Per-user granted scopes (also changeable later with <see cref="LocalKeycardZone.SetGrantedScopes"/>).</summary>
    public IDictionary<string, IReadOnlyList<string>> GrantedScopesByUser { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>The resources the zone issues for; empty means any absolute URI without a fragment. Default empty.</summary>
    public IList<string> AllowedResources { get; } = [];

    /// <summary>When set, the metadata document claims this issuer instead of the zone's own URL (a discovery fault).</summary>
    public string? MetadataIssuerOverride { get; set; }

    /// <summary>How many metadata requests answer 500 before the document is served (a discovery fault). Default 0.</summary>
    public int MetadataFailures { get; set; }

    /// <summary>
    /// A delay added to every token-endpoint answer, to model a real Keycard round trip in load harnesses. It runs on
    /// the real clock (not <see cref="TimeProvider"/>), so keep it zero in tests that use a fake clock. Default zero.
    /// </summary>
    public TimeSpan ExchangeLatency { get; set; }
}
