using KeycardSentry;
using KeycardSentry.Internal;
using KeycardSentry.Internal.ClientAuthentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Keycard exchange runtime and wires API clients to it.</summary>
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
    /// Wires API clients to Keycard: <paramref name="registerClients"/> registers each client (e.g. the generated
    /// <c>AddSentryClients</c>) and calls the given action on each client's <see cref="IHttpClientBuilder"/>, which sets
    /// the base address, adds <see cref="KeycardTokenHandler"/> (outer) and the 429 retry (inner, so a retry reuses the
    /// token and a 401 after retries still reaches the handler).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="catalog">The scope catalog of the clients (the generated <c>SentryApiScopeCatalog.Instance</c>).</param>
    /// <param name="registerClients">Registers the clients, calling its argument on each client's builder.</param>
    /// <param name="configure">Sets <see cref="SentryApiOptions"/>; validated at start.</param>
    public static IServiceCollection AddKeycardApiClients(
        this IServiceCollection services,
        IApiScopeCatalog catalog,
        Action<Action<IHttpClientBuilder>> registerClients,
        Action<SentryApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(registerClients);

        var optionsBuilder = services.AddOptions<SentryApiOptions>().ValidateOnStart();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SentryApiOptions>, SentryApiOptionsValidator>());
        services.TryAddSingleton(catalog);

        registerClients(builder => ConfigureClient(builder, catalog));
        return services;
    }

    /// <summary>Configures one API client's <see cref="IHttpClientBuilder"/> for Keycard (what <see cref="AddKeycardApiClients"/> does per client).</summary>
    public static IHttpClientBuilder AddKeycardHandlers(this IHttpClientBuilder builder, IApiScopeCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(catalog);
        ConfigureClient(builder, catalog);
        return builder;
    }

    private static void ConfigureClient(IHttpClientBuilder builder, IApiScopeCatalog catalog)
    {
        builder
            .ConfigureHttpClient((sp, client) => client.BaseAddress = sp.GetRequiredService<IOptions<SentryApiOptions>>().Value.EffectiveBaseUrl)
            .UseHeaderFreeLogging()
            .AddHttpMessageHandler(sp => new KeycardTokenHandler(
                sp.GetRequiredService<IKeycardTokenProvider>(),
                sp.GetRequiredService<ISubjectTokenAccessor>(),
                catalog,
                sp.GetRequiredService<IOptions<SentryApiOptions>>(),
                sp.GetRequiredService<ILogger<KeycardTokenHandler>>()));
        builder.AddResilienceHandler(RateLimitRetry.PipelineName, (pipeline, context) =>
            RateLimitRetry.Configure(
                pipeline,
                context.ServiceProvider.GetRequiredService<IOptions<SentryApiOptions>>().Value,
                context.ServiceProvider.GetRequiredService<TimeProvider>(),
                context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(KeycardTokenHandler).FullName!)));
    }

    private static IHttpClientBuilder UseHeaderFreeLogging(this IHttpClientBuilder builder) =>
        builder
            .RedactLoggedHeaders(SecretHeaders)
            .RemoveAllLoggers()
            .AddLogger(sp => new HeaderFreeHttpClientLogger(sp.GetRequiredService<ILoggerFactory>().CreateLogger("KeycardSentry.Http." + builder.Name)));

    private static IServiceCollection AddKeycardCore(this IServiceCollection services)
    {
        services.AddOptions<KeycardOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeycardOptions>, KeycardOptionsValidator>());
        services.AddOptions<SentryApiOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SentryApiOptions>, SentryApiOptionsValidator>());

        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KeycardMetrics>();

        // IHttpClientFactory's loggers put raw request headers (bearer token, Basic credentials) in their structured state.
        services.AddHttpClient(KeycardMetadataProvider.HttpClientName)
            .UseHeaderFreeLogging()
            .ConfigureHttpClient((sp, client) => client.Timeout = sp.GetRequiredService<IOptions<KeycardOptions>>().Value.ExchangeTimeout);
        // The exchange time-out is ours (on the injected clock), so HttpClient's own must not cut in first.
        services.AddHttpClient(KeycardExchangeClient.HttpClientName)
            .UseHeaderFreeLogging()
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);

        services.AddKeycardClientAuthentication(); // client_secret_basic or private_key_jwt, chosen from the options; the token response parser
        services.TryAddSingleton<KeycardMetadataProvider>();
        services.TryAddSingleton<IKeycardExchangeClient, KeycardExchangeClient>();
        services.TryAddSingleton<ISubjectTokenValidator, SubjectTokenValidator>();
        services.TryAddSingleton<IKeycardTokenProvider, InProcessKeycardTokenProvider>();
        services.TryAddSingleton<ISubjectTokenAccessor, AmbientSubjectTokenAccessor>();
        return services;
    }
}
