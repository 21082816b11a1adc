namespace KeycardSentry;

/// <summary>
/// How to reach the Keycard zone and how long to keep exchanged tokens. Bound from the <c>Keycard</c> configuration
/// section (environment variables <c>Keycard__ZoneUrl</c>, <c>Keycard__ClientId</c>, <c>Keycard__ClientSecret</c>, ...)
/// and validated when the host starts.
/// </summary>
/// <remarks><see cref="ToString"/> redacts <see cref="ClientSecret"/>; the secret is never logged.</remarks>
public sealed class KeycardOptions
{
    /// <summary>The configuration section name, <c>Keycard</c>.</summary>
    public const string SectionName = "Keycard";

    /// <summary>The zone URL (the issuer), e.g. <c>https://&lt;zone-id&gt;.keycard.cloud</c>. Must be https, except for loopback addresses. Required.</summary>
    public string? ZoneUrl { get; set; }

    /// <summary>The application's client id in the zone. Required.</summary>
    public string? ClientId { get; set; }

    /// <summary>The application's client secret in the zone; required with <c>client_secret_basic</c> (see <see cref="ClientAuthentication"/>). Secret: redacted in <see cref="ToString"/>, never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>How long one exchange (or discovery) request may take before it fails with <c>timeout</c>. Default 10 s.</summary>
    public TimeSpan ExchangeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The lifetime assumed when Keycard's response has no <c>expires_in</c>. Default 3600 s, the same assumption
    /// Keycard's own cache makes.
    /// </summary>
    public TimeSpan DefaultTokenLifetime { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>A cached token is replaced this long before it expires, so no request leaves with a token about to lapse. Default 60 s.</summary>
    public TimeSpan ExpirySkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many tokens the in-process cache keeps (one per user, resource and scope set); least recently used go first. Default 10 000.</summary>
    public int CacheSizeLimit { get; set; } = 10_000;

    /// <summary>Clock skew tolerated when validating a JWT subject token's <c>exp</c> and <c>nbf</c>. Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The audience a JWT subject token must carry (<c>aud</c>): the identifier Keycard puts in the access tokens it issues
    /// for this application. Required, unless <see cref="AllowAnySubjectAudience"/> is set: without it, any token the zone
    /// signs (another client's, another audience's) would get the user's cached token.
    /// </summary>
    public string? SubjectAudience { get; set; }

    /// <summary>Accepts JWT subject tokens of any audience. Default false; set it only when every token the zone signs is meant for this application.</summary>
    public bool AllowAnySubjectAudience { get; set; }

    /// <summary>
    /// Which subject tokens are accepted. <see cref="SubjectTokenKinds.Jwt"/>: only JWTs that validate against the zone's
    /// keys; anything else is refused here and never reaches Keycard. <see cref="SubjectTokenKinds.JwtOrOpaque"/>: JWTs as
    /// before, and tokens that are not JWT-shaped are passed to Keycard and bound by their own hash. Unset (the default):
    /// <c>Jwt</c> when the zone publishes a JWKS, else every token is bound by its own hash.
    /// </summary>
    public SubjectTokenKinds? SubjectTokens { get; set; }

    /// <summary>The longest subject token accepted, in characters; a longer one is refused before it is hashed, parsed or sent. Default 16 384.</summary>
    public int MaxSubjectTokenLength { get; set; } = 16 * 1024;

    /// <summary>
    /// How long before a cached token stops being served a call starts its refresh in the background (the token keeps being
    /// served meanwhile, so no caller waits). Never earlier than half the token's served life. Default 2 minutes; zero turns
    /// refresh ahead off (the first call after the token lapses exchanges, and waits).
    /// </summary>
    public TimeSpan RefreshAhead { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// After a failed exchange (or refresh), how long calls for the same user, resource and scopes are answered with the
    /// same error before Keycard is asked again; doubles with each failure in a row up to <see cref="MaxFailureBackoff"/>.
    /// Default 1 s.
    /// </summary>
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts after failures in a row (see <see cref="FailureBackoff"/>). Default 5 minutes.</summary>
    public TimeSpan MaxFailureBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When true, the host does not start until the zone's metadata and keys were fetched. Default false: they are fetched
    /// at start in the background; a failure is logged, shown by the health check, and retried with back-off.
    /// </summary>
    public bool RequireZoneAtStart { get; set; }

    /// <summary>
    /// When Keycard issued a refresh token and the cached token has expired, refresh it (grant_type=refresh_token)
    /// instead of exchanging again; a failed refresh falls back to a new exchange. Default true.
    /// </summary>
    public bool UseRefreshTokens { get; set; } = true;

    /// <summary>
    /// How many successful JWT subject-token validations are remembered (keyed by the token's SHA-256, never the token),
    /// so a repeated call with the same token skips the signature check; <c>exp</c>/<c>nbf</c> are still checked on every
    /// call. Oldest go first when full. 0 turns the cache off. Default 10 000.
    /// </summary>
    public int SubjectValidationCacheSize { get; set; } = 10_000;

    /// <summary>
    /// How long a checked signature is trusted before the token's signature is checked again against the zone's current
    /// JWKS; never beyond the token's own expiry, and never beyond the moment the JWKS it was checked against is due for
    /// a refresh (<see cref="JwksRefreshInterval"/>), so the cache does not lengthen how long a withdrawn key works.
    /// <see cref="TimeSpan.Zero"/> turns the cache off. Default 5 minutes.
    /// </summary>
    public TimeSpan SubjectValidationCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the zone's metadata and JWKS are used before they are fetched again (on the injected clock; the first
    /// call after that waits for the fetch). This bounds how long a signing key the zone withdrew keeps being accepted:
    /// a withdrawn key stops working within this time, including validations remembered by the subject validation cache,
    /// which never outlive the JWKS they were checked against. If a refresh fails, the last good keys stay in use and the
    /// refresh is retried every <see cref="JwksMinimumRefreshInterval"/>. Default 10 minutes.
    /// </summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The least time between two JWKS fetches caused by a subject token whose <c>kid</c> is not in the cached JWKS (a
    /// key the zone just rotated in), so a flood of tokens with made-up <c>kid</c>s cannot hammer the zone; also how long
    /// a failed refresh waits before it is tried again. Must not exceed <see cref="JwksRefreshInterval"/>. Default 30 s.
    /// </summary>
    public TimeSpan JwksMinimumRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public override string ToString() =>
        $"KeycardOptions {{ ZoneUrl = {ZoneUrl}, ClientId = {ClientId}, ClientSecret = {(string.IsNullOrEmpty(ClientSecret) ? "(not set)" : "***")}, " +
        $"ExchangeTimeout = {ExchangeTimeout}, DefaultTokenLifetime = {DefaultTokenLifetime}, ExpirySkew = {ExpirySkew}, CacheSizeLimit = {CacheSizeLimit}, ClockSkew = {ClockSkew}, " +
        $"SubjectValidationCacheSize = {SubjectValidationCacheSize}, SubjectValidationCacheDuration = {SubjectValidationCacheDuration}, " +
        $"JwksRefreshInterval = {JwksRefreshInterval}, JwksMinimumRefreshInterval = {JwksMinimumRefreshInterval}, SubjectAudience = {SubjectAudience}, " +
        $"AllowAnySubjectAudience = {AllowAnySubjectAudience}, SubjectTokens = {SubjectTokens?.ToString() ?? "(auto)"}, MaxSubjectTokenLength = {MaxSubjectTokenLength}, " +
        $"RefreshAhead = {RefreshAhead}, FailureBackoff = {FailureBackoff}, MaxFailureBackoff = {MaxFailureBackoff}, ClientAuthentication = {ClientAuthentication ?? "(default)"}, ClientAssertion = {ClientAssertion}, MaxTokenLifetime = {MaxTokenLifetime} }}";

    /// <summary>
    /// How the application authenticates to the zone's token endpoint: <c>ClientSecretBasic</c> (<c>client_secret_basic</c>
    /// with <see cref="ClientSecret"/>) or <c>PrivateKeyJwt</c> (<c>private_key_jwt</c>, RFC 7523, signed with the key of
    /// <see cref="ClientAssertion"/>; no shared secret). The RFC names <c>client_secret_basic</c> and <c>private_key_jwt</c>
    /// are accepted too. Default: <c>PrivateKeyJwt</c> when a <see cref="ClientAssertion"/> key is set, else <c>ClientSecretBasic</c>.
    /// </summary>
    public string? ClientAuthentication { get; set; }

    /// <summary>The key that signs <c>private_key_jwt</c> client assertions (section <c>Keycard:ClientAssertion</c>).</summary>
    public KeycardClientAssertionOptions ClientAssertion { get; set; } = new();

    /// <summary>
    /// The longest a token from Keycard is kept, whatever its <c>expires_in</c> says (a larger value is clamped to this;
    /// <see cref="DefaultTokenLifetime"/> too). Default 24 hours; must be positive and at most 30 days.
    /// </summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(24);
}
