namespace KeycardSentry;

/// <summary>
/// One API called through Keycard: where it lives, which Keycard resource and scopes its tokens are exchanged for, and
/// how its rate limits are retried. Registered as named options (the name is the API's configuration section, e.g.
/// <c>SentryApi</c>), so one app can call several Keycard resources side by side. Validated when the host starts.
/// </summary>
public class KeycardApiOptions
{
    /// <summary>The API base URL, e.g. <c>https://api.example.com/</c>. Required unless the API's SDK supplies a default (Sentry: its region).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The RFC 8707 resource sent to Keycard (an absolute URI without fragment). Required unless the SDK supplies it.</summary>
    public string? Resource { get; set; }

    /// <summary>
    /// The scopes to request in the exchange; empty (the default) asks for whatever the user's grant gives. Configuration
    /// takes a list (<c>Scopes:0</c>, <c>Scopes:1</c>) or one string separated by spaces or commas
    /// (<c>SentryApi__Scopes="org:read project:read"</c>); each scope must be an RFC 6749 scope-token.
    /// </summary>
    public IList<string> Scopes { get; set; } = [];

    /// <summary>How many times a 429 is retried. Default 3; 0 turns retrying off.</summary>
    public int MaxRateLimitRetries { get; set; } = 3;

    /// <summary>The longest wait a 429 may ask for; a longer one is not retried but returned. Default 60 s.</summary>
    public TimeSpan MaxRateLimitDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After the API answered 401 to a user's cached token and again to a freshly exchanged one, calls for that subject
    /// token fail at once (no exchange, no request) for this long. Default 30 s; zero turns it off.
    /// </summary>
    public TimeSpan UnauthorizedCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The base URL in effect: <see cref="BaseUrl"/>, else <see cref="DefaultBaseUrl"/>.</summary>
    public Uri? EffectiveBaseUrl => BaseUrl ?? DefaultBaseUrl;

    /// <summary>The resource in effect: <see cref="Resource"/>, else <see cref="DefaultResource"/>.</summary>
    public string? EffectiveResource => string.IsNullOrWhiteSpace(Resource) ? DefaultResource : Resource;

    /// <summary>The base URL an SDK derives from its own settings (Sentry: from the region), or null.</summary>
    protected virtual Uri? DefaultBaseUrl => null;

    /// <summary>The resource an SDK knows (Sentry: <c>https://sentry.io/api/0</c>), or null.</summary>
    protected virtual string? DefaultResource => null;
}
