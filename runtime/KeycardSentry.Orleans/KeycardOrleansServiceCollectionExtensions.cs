using System.Diagnostics.Metrics;
using KeycardSentry.Internal;
using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans;

/// <summary>Client-side registration: route <see cref="IKeycardTokenProvider"/> through the cluster.</summary>
public static class KeycardOrleansServiceCollectionExtensions
{
    /// <summary>
    /// Makes every token come from the user's grain: replaces the registered <see cref="IKeycardTokenProvider"/> (the
    /// in-process cache of <c>AddKeycard</c>, if any). Works in an app that is a silo (<c>UseOrleans</c>) and in one that
    /// is only an Orleans client (<c>UseOrleansClient</c>). In a client it is all the Keycard registration needed: no
    /// client id or secret is configured there; the silos exchange.
    /// </summary>
    /// <remarks>
    /// Binds the near cache (<c>Keycard:NearCache</c>, <c>Keycard:NearCacheSize</c>, <c>Keycard:NearCacheMaxAge</c>) and
    /// <c>Keycard:MaxSubjectTokenLength</c> from the app's <c>Keycard</c> section, then runs <paramref name="configure"/>.
    /// Subject tokens are validated by the silos' <see cref="ITokenGatewayGrain"/> before they reach a user's grain, or
    /// in this process when it already validates them (an app that is a silo with <c>AddKeycard</c>). To validate in an
    /// Orleans client too (one hop less), pass the section: <see cref="AddKeycardOrleansTokenCache(IServiceCollection, IConfiguration, Action{KeycardOrleansClientOptions}?)"/>.
    /// </remarks>
    public static IServiceCollection AddKeycardOrleansTokenCache(this IServiceCollection services, Action<KeycardOrleansClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KeycardOrleansClientOptions>, BindAppKeycardSection>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KeycardOptions>, BindAppKeycardSection>());
        return services.AddOrleansTokenProvider(configure, zoneConfigured: null);
    }

    /// <summary>
    /// As <see cref="AddKeycardOrleansTokenCache(IServiceCollection, Action{KeycardOrleansClientOptions}?)"/>, with the
    /// options bound from <paramref name="keycardSection"/> (normally <c>configuration.GetSection("Keycard")</c>). When the
    /// section names the zone (<c>ZoneUrl</c>, with <c>SubjectAudience</c>; no client credentials), this process fetches
    /// the zone's keys, validates subject tokens itself and calls the user's grain directly; forged tokens never leave it.
    /// </summary>
    public static IServiceCollection AddKeycardOrleansTokenCache(this IServiceCollection services, IConfiguration keycardSection, Action<KeycardOrleansClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(keycardSection);
        services.AddOptions<KeycardOrleansClientOptions>().Bind(keycardSection);
        services.AddOptions<KeycardOptions>().Bind(keycardSection);
        return services.AddOrleansTokenProvider(configure, zoneConfigured: !string.IsNullOrWhiteSpace(keycardSection["ZoneUrl"]));
    }

    private static IServiceCollection AddOrleansTokenProvider(this IServiceCollection services, Action<KeycardOrleansClientOptions>? configure, bool? zoneConfigured)
    {
        // Checked when a host starts, not at the first token request.
        var options = services.AddOptions<KeycardOrleansClientOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeycardOrleansClientOptions>, KeycardOrleansClientOptionsValidator>());
        var alreadyValidates = services.Any(d => d.ServiceType == typeof(ISubjectTokenValidator));
        if (zoneConfigured == true && !alreadyValidates)
        {
            services.AddKeycardZone();
        }

        services.Replace(ServiceDescriptor.Singleton<IKeycardTokenProvider>(sp =>
        {
            var value = sp.GetRequiredService<IOptions<KeycardOrleansClientOptions>>().Value;
            var near = value.NearCacheEnabled
                ? new NearTokenCache(value.NearCacheSize, value.NearCacheMaxAge, sp.GetRequiredService<TimeProvider>(), new NearCacheMetrics(sp.GetRequiredService<IMeterFactory>()))
                : null;
            return new OrleansKeycardTokenProvider(
                sp.GetRequiredService<IGrainFactory>(),
                sp.GetService<ISubjectTokenValidator>() is { } validator && validator is not UnconfiguredKeycardZone ? validator : null,
                near,
                sp.GetRequiredService<IOptions<KeycardOptions>>().Value.MaxSubjectTokenLength);
        }));
        services.TryAddSingleton<ISubjectTokenAccessor, AmbientSubjectTokenAccessor>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddMetrics();
        return services;
    }

    /// <summary>Binds the app's <c>Keycard</c> section when the app has a configuration (a host always does).</summary>
    private sealed class BindAppKeycardSection(IServiceProvider services) : IConfigureOptions<KeycardOrleansClientOptions>, IConfigureOptions<KeycardOptions>
    {
        public void Configure(KeycardOrleansClientOptions options) => Section()?.Bind(options);

        public void Configure(KeycardOptions options) => Section()?.Bind(options);

        private IConfigurationSection? Section() => services.GetService<IConfiguration>()?.GetSection(KeycardOptions.SectionName);
    }
}
