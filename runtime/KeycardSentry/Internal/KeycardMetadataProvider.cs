using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Internal;

/// <summary>What discovery found: the zone's issuer, token endpoint and signing keys.</summary>
internal sealed record KeycardMetadata(string Issuer, Uri TokenEndpoint, IReadOnlyList<SecurityKey> SigningKeys, bool HasJwks);

/// <summary>
/// RFC 8414 discovery at <c>{zone}/.well-known/oauth-authorization-server</c> (never OIDC discovery, never a guessed
/// token endpoint), through IdentityModel's <see cref="ConfigurationManager{T}"/>, which also loads the JWKS from
/// <c>jwks_uri</c> and refreshes both every 12 hours, serving the last good document when a refresh fails.
/// </summary>
/// <remarks>
/// <see cref="ConfigurationManager{T}"/> holds off after a failed first fetch (a randomised, growing "bootstrap" delay
/// on the system clock), so a call right after a failure could get the same failure without any request. The task is
/// "a failed discovery is retried on the next call", so a manager that has never succeeded is thrown away on failure
/// and the next call starts with a fresh one. An issuer mismatch is treated the same way.
/// </remarks>
internal sealed class KeycardMetadataProvider
{
    public const string HttpClientName = "KeycardSentry.Discovery";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly ILogger _logger;
    private readonly string _zone;
    private readonly string _metadataUrl;
    private readonly bool _loopback;
    private ConfigurationManager<OpenIdConnectConfiguration> _manager;

    public KeycardMetadataProvider(IOptions<KeycardOptions> options, IHttpClientFactory httpClientFactory, ILogger<KeycardMetadataProvider> logger)
    {
        _httpClientFactory = httpClientFactory;
        _logger = logger;
        var zone = options.Value.ZoneUrl ?? throw new InvalidOperationException("Keycard:ZoneUrl is not set.");
        _zone = zone.TrimEnd('/');
        _metadataUrl = _zone + "/.well-known/oauth-authorization-server";
        _loopback = KeycardOptionsValidator.IsLoopback(new Uri(_zone, UriKind.Absolute));
        _manager = CreateManager();
    }

    public string MetadataUrl => _metadataUrl;

    public async Task<KeycardMetadata> GetAsync(CancellationToken cancellationToken)
    {
        var manager = Volatile.Read(ref _manager);
        OpenIdConnectConfiguration configuration;
        try
        {
            // The manager fetches with CancellationToken.None (the fetch is shared); the caller may still stop waiting.
            configuration = await manager.GetConfigurationAsync(cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Reset(manager);
            Log.DiscoveryFailed(_logger, _metadataUrl, ex);
            throw new KeycardExchangeException(
                $"Keycard discovery failed: could not read the authorization server metadata at {_metadataUrl} ({Describe(ex)}). " +
                "Check Keycard:ZoneUrl (it must be the zone URL, e.g. https://<zone-id>.keycard.cloud) and that the zone is reachable from this host. " +
                "Discovery is retried on the next call.",
                error: "discovery_failed",
                isRetryable: true,
                innerException: ex);
        }

        if (!string.Equals(configuration.Issuer?.TrimEnd('/'), _zone, StringComparison.Ordinal))
        {
            Reset(manager);
            var failure = new KeycardExchangeException(
                $"Keycard discovery failed: the metadata at {_metadataUrl} names issuer '{configuration.Issuer}', but Keycard:ZoneUrl is '{_zone}'. " +
                "Set Keycard:ZoneUrl to the zone's issuer exactly (Keycard__ZoneUrl).",
                error: "discovery_failed");
            Log.DiscoveryFailed(_logger, _metadataUrl, failure);
            throw failure;
        }

        if (!Uri.TryCreate(configuration.TokenEndpoint, UriKind.Absolute, out var tokenEndpoint)
            || (tokenEndpoint.Scheme != "https" && !(_loopback && KeycardOptionsValidator.IsLoopback(tokenEndpoint))))
        {
            Reset(manager);
            var failure = new KeycardExchangeException(
                $"Keycard discovery failed: the metadata at {_metadataUrl} has no usable https token_endpoint. Check Keycard:ZoneUrl.",
                error: "discovery_failed");
            Log.DiscoveryFailed(_logger, _metadataUrl, failure);
            throw failure;
        }

        var hasJwks = !string.IsNullOrEmpty(configuration.JwksUri);
        Log.DiscoverySucceeded(_logger, _metadataUrl, tokenEndpoint.AbsoluteUri, hasJwks);
        return new KeycardMetadata(configuration.Issuer!, tokenEndpoint, [.. configuration.SigningKeys], hasJwks);
    }

    /// <summary>Asks for a fresh document and JWKS on the next call (key rotation); rate-limited by the manager.</summary>
    public void RequestRefresh() => Volatile.Read(ref _manager).RequestRefresh();

    private void Reset(ConfigurationManager<OpenIdConnectConfiguration> failed) =>
        Interlocked.CompareExchange(ref _manager, CreateManager(), failed);

    private ConfigurationManager<OpenIdConnectConfiguration> CreateManager()
    {
        var retriever = new HttpDocumentRetriever(_httpClientFactory.CreateClient(HttpClientName)) { RequireHttps = !_loopback };
        return new ConfigurationManager<OpenIdConnectConfiguration>(_metadataUrl, new OpenIdConnectConfigurationRetriever(), retriever);
    }

    private static string Describe(Exception ex)
    {
        // IdentityModel wraps the HTTP failure; the innermost message names the status or the socket error.
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner.GetType().Name + ": " + inner.Message;
    }
}
