using KeycardSentry;
using KeycardSentry.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Wires an API's generated clients to Keycard: base address, the token handler (with the 429 retry and the request log lines).</summary>
public static class KeycardApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers one API called through Keycard, with <see cref="KeycardApiOptions"/> named <paramref name="name"/> bound
    /// from the configuration section of that name (e.g. <c>WidgetsApi:BaseUrl</c>, <c>WidgetsApi:Resource</c>,
    /// <c>WidgetsApi:Scopes</c>) and then <paramref name="configure"/>; validated at start. The resource defaults to the
    /// catalog's (<see cref="IApiScopeCatalog.Resource"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The API's name: its options name and configuration section.</param>
    /// <param name="catalog">The API's scope catalog (the generated <c>{Prefix}ApiScopeCatalog.Instance</c>).</param>
    /// <param name="registerClients">Registers the clients (e.g. the generated <c>Add{Prefix}Clients</c>), calling its argument on each client's builder.</param>
    /// <param name="configure">Sets the options in code, after configuration.</param>
    public static IServiceCollection AddKeycardApi(
        this IServiceCollection services,
        string name,
        IApiScopeCatalog catalog,
        Action<Action<IHttpClientBuilder>> registerClients,
        Action<KeycardApiOptions>? configure = null) =>
        services.AddKeycardApi<KeycardApiOptions>(name, catalog, registerClients, KeycardApiProfile.Default, configure);

    /// <summary>
    /// As <see cref="AddKeycardApi(IServiceCollection, string, IApiScopeCatalog, Action{Action{IHttpClientBuilder}}, Action{KeycardApiOptions}?)"/>,
    /// for an SDK with its own options type (<typeparamref name="TOptions"/>) and <paramref name="profile"/> (how its errors
    /// read and which exceptions it throws). The Sentry SDK's <c>AddSentryApi</c> is built on this.
    /// </summary>
    public static IServiceCollection AddKeycardApi<TOptions>(
        this IServiceCollection services,
        string name,
        IApiScopeCatalog catalog,
        Action<Action<IHttpClientBuilder>> registerClients,
        KeycardApiProfile profile,
        Action<TOptions>? configure = null)
        where TOptions : KeycardApiOptions
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(registerClients);
        ArgumentNullException.ThrowIfNull(profile);

        var options = services.AddOptions<TOptions>(name).ValidateOnStart();

        // The catalog knows the API's Keycard resource; configuration or code may name another.
        options.Configure(o => o.Resource ??= catalog.Resource);
        options.Configure<IServiceProvider>((o, sp) => Bind(o, sp.GetService<IConfiguration>()?.GetSection(name)));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<IValidateOptions<TOptions>>(new KeycardApiOptionsValidator<TOptions>(name));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISubjectTokenAccessor, AmbientSubjectTokenAccessor>();
        services.AddLogging();

        // One memory of 401-twice subjects per API, shared by its clients' pooled handlers.
        services.TryAddKeyedSingleton(name, (sp, _) => new UnauthorizedSubjects(Options<TOptions>(sp, name).UnauthorizedCooldown, sp.GetRequiredService<TimeProvider>()));
        registerClients(builder => Configure<TOptions>(builder, name, catalog, profile));
        return services;
    }

    /// <summary>Binds a section, and also accepts <c>Scopes</c> written as one string separated by spaces or commas.</summary>
    internal static void Bind(KeycardApiOptions options, IConfiguration? section)
    {
        if (section is null)
        {
            return;
        }

        section.Bind(options);
        if (section["Scopes"] is { Length: > 0 } scopes)
        {
            options.Scopes = ScopeSyntax.Split(scopes);
        }
    }

    private static void Configure<TOptions>(IHttpClientBuilder builder, string name, IApiScopeCatalog catalog, KeycardApiProfile profile)
        where TOptions : KeycardApiOptions
    {
        // One handler does the token, the scope check, the 401 and 429 retries and the header-free request log lines:
        // IHttpClientFactory's own loggers are removed (they put the bearer token in their structured state), and a
        // retry or logging handler of its own would cost another async method per call.
        builder
            .ConfigureHttpClient((sp, client) => client.BaseAddress = Options<TOptions>(sp, name).EffectiveBaseUrl)
            .WithoutFactoryLoggers()
            .AddHttpMessageHandler(sp =>
            {
                var options = Options<TOptions>(sp, name);
                var loggers = sp.GetRequiredService<ILoggerFactory>();
                var logger = loggers.CreateLogger("KeycardSentry.Http." + name);
                return new KeycardTokenHandler(
                    sp.GetRequiredService<IKeycardTokenProvider>(),
                    sp.GetRequiredService<ISubjectTokenAccessor>(),
                    catalog,
                    profile,
                    options,
                    sp.GetRequiredKeyedService<UnauthorizedSubjects>(name),
                    logger,
                    RateLimitRetry.Build(options, profile, sp.GetRequiredService<TimeProvider>(), logger),
                    new HeaderFreeHttpClientLogger(loggers.CreateLogger("KeycardSentry.Http." + builder.Name)));
            });
    }

    private static TOptions Options<TOptions>(IServiceProvider services, string name)
        where TOptions : KeycardApiOptions =>
        services.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name);
}
