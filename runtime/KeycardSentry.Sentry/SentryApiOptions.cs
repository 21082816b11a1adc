namespace KeycardSentry.Sentry;

/// <summary>
/// Where the Sentry API lives and which Keycard resource and scopes its tokens are exchanged for. Bound from the
/// <c>SentryApi</c> configuration section by <c>AddSentryApi</c> and validated when the host starts.
/// </summary>
public sealed class SentryApiOptions : KeycardApiOptions
{
    /// <summary>The configuration section (and options name) <c>AddSentryApi</c> binds, <c>SentryApi</c>.</summary>
    public const string SectionName = "SentryApi";

    /// <summary>The Keycard resource identifier of Sentry, <c>https://sentry.io/api/0</c>.</summary>
    public const string SentryResource = "https://sentry.io/api/0";

    /// <summary>The data region: <c>us</c> (https://us.sentry.io) or <c>de</c> (https://de.sentry.io). Default <c>us</c>; <see cref="KeycardApiOptions.BaseUrl"/> overrides it.</summary>
    public string Region { get; set; } = "us";

    /// <inheritdoc />
    protected override Uri? DefaultBaseUrl => Region?.Trim().ToLowerInvariant() switch
    {
        "us" => new Uri("https://us.sentry.io/", UriKind.Absolute),
        "de" => new Uri("https://de.sentry.io/", UriKind.Absolute),
        _ => null,
    };

    /// <inheritdoc />
    protected override string? DefaultResource => SentryResource;
}
