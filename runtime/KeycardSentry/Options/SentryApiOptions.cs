namespace KeycardSentry;

/// <summary>Where the Sentry API lives and which Keycard resource and scopes its tokens are exchanged for. Validated when the host starts.</summary>
public sealed class SentryApiOptions
{
    /// <summary>The configuration section name the generated <c>AddSentryApi</c> binds, <c>SentryApi</c>.</summary>
    public const string SectionName = "SentryApi";

    /// <summary>The Keycard resource identifier of Sentry.</summary>
    public const string DefaultResource = "https://sentry.io/api/0";

    /// <summary>The data region: <c>us</c> (https://us.sentry.io) or <c>de</c> (https://de.sentry.io). Default <c>us</c>.</summary>
    public string Region { get; set; } = "us";

    /// <summary>The API base URL; overrides <see cref="Region"/> (self-hosted Sentry, or a local stand-in). Default null.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The RFC 8707 resource sent to Keycard. Default <c>https://sentry.io/api/0</c>.</summary>
    public string Resource { get; set; } = DefaultResource;

    /// <summary>The scopes to request in the exchange; empty (the default) asks for whatever the user's grant gives.</summary>
    public IList<string> Scopes { get; set; } = [];

    /// <summary>How many times a 429 is retried. Default 3; 0 turns retrying off.</summary>
    public int MaxRateLimitRetries { get; set; } = 3;

    /// <summary>The longest wait a 429 may ask for (Retry-After or X-Sentry-Rate-Limit-Reset); a longer one is not retried but returned. Default 60 s.</summary>
    public TimeSpan MaxRateLimitDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The base URL in effect: <see cref="BaseUrl"/>, else the region's host.</summary>
    public Uri EffectiveBaseUrl => BaseUrl ?? new Uri($"https://{Region.Trim().ToLowerInvariant()}.sentry.io/", UriKind.Absolute);
}
