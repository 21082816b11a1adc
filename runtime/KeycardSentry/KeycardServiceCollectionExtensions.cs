using KeycardSentry;
using KeycardSentry.Internal;
using KeycardSentry.Internal.ClientAuthentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Keycard runtime: the zone (discovery, keys, subject-token validation), the exchange and the token cache.</summary>
public static class KeycardServiceCollectionExtensions
{
    private static readonly string[] SecretHeaders = ["Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"];

    /// <summary>Adds the Keycard runtime with <see cref="KeycardOptions"/> bound from the <c>Keycard</c> section of the app's configuration.</summary>
    public static IServiceCollection AddKeycard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KeycardOptions>().BindConfiguration(KeycardOptions.SectionName);
        return services.AddKeycardCore();
    }

    /// <summary>Adds the Keycard runtime with <see cref="KeycardOptions"/> bound from <paramref name="section"/> (normally <c>configuration.GetSection("Keycard")</c>).</summary>
    public static IServiceCollection AddKeycard(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<KeycardOptions>().Bind(section);
        return services.AddKeycardCore();
    }

    /// <summary>Adds the Keycard runtime with <see cref="KeycardOptions"/> set in code.</summary>
    public static IServiceCollection AddKeycard(this IServiceCollection services, Action<KeycardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<KeycardOptions>().Configure(configure);
        return services.AddKeycardCore();
    }

    /// <summary>
    /// Adds a health check named <c>keycard-zone</c>: healthy once the zone's metadata (and keys) were read; degraded when no
    /// zone is configured or it was not read yet; unhealthy when it could not be reached at the last attempt, or it publishes
    /// no keys while only JWTs are accepted.
    /// </summary>
    public static IHealthChecksBuilder AddKeycardZone(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration("keycard-zone", sp => new KeycardZoneHealthCheck(sp), HealthStatus.Unhealthy, ["keycard"]));
    }

    /// <summary>
    /// The zone side only: options validation, discovery and keys (fetched at start), subject-token validation. What an
    /// Orleans client that knows the zone needs to validate subject tokens itself; no client credentials involved.
    /// </summary>
    internal static IServiceCollection AddKeycardZone(this IServiceCollection services)
    {
        services.AddOptions<KeycardOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeycardOptions>, KeycardOptionsValidator>());
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KeycardMetrics>();
        services.TryAddSingleton<KeycardZoneStatus>();

        // IHttpClientFactory's loggers put raw request headers (bearer token, Basic credentials) in their structured state.
        services.AddHttpClient(KeycardMetadataProvider.HttpClientName)
            .UseHeaderFreeLogging()
            .ConfigureHttpClient(client =>
            {
                // The time-out is the provider's, on the injected clock (Keycard:ExchangeTimeout).
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = 1024 * 1024;
            });
        services.TryAddSingleton<KeycardMetadataProvider>();
        services.TryAddSingleton<ISubjectTokenValidator, SubjectTokenValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KeycardZoneWarmup>());
        services.TryAddSingleton<ISubjectTokenAccessor, AmbientSubjectTokenAccessor>();
        return services;
    }

    internal static IHttpClientBuilder UseHeaderFreeLogging(this IHttpClientBuilder builder) =>
        builder
            .WithoutFactoryLoggers()
            .AddLogger(sp => new HeaderFreeHttpClientLogger(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("KeycardSentry.Http." + builder.Name)));

    /// <summary>IHttpClientFactory's loggers off (and its header redaction on, should one be added back).</summary>
    internal static IHttpClientBuilder WithoutFactoryLoggers(this IHttpClientBuilder builder) =>
        builder.RedactLoggedHeaders(SecretHeaders).RemoveAllLoggers();

    private static IServiceCollection AddKeycardCore(this IServiceCollection services)
    {
        services.AddKeycardZone();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeycardOptions>, KeycardClientCredentialsValidator>());

        // The exchange time-out is ours (on the injected clock), so HttpClient's own must not cut in first.
        services.AddHttpClient(KeycardExchangeClient.HttpClientName)
            .UseHeaderFreeLogging()
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);

        services.AddKeycardClientAuthentication(); // client_secret_basic or private_key_jwt, chosen from the options; the token response parser
        services.TryAddSingleton<IKeycardExchangeClient, KeycardExchangeClient>();
        services.TryAddSingleton(sp => TokenPolicy.From(sp.GetRequiredService<IOptions<KeycardOptions>>().Value));
        services.TryAddSingleton<TokenFetcher>();
        services.TryAddSingleton<IKeycardTokenProvider, InProcessKeycardTokenProvider>();
        return services;
    }
}
