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
    /// in-process cache of <c>AddKeycard</c>, if any) by <see cref="OrleansKeycardTokenProvider"/>. Works in an app that is
    /// a silo (<c>UseOrleans</c>) and in one that is only an Orleans client (<c>UseOrleansClient</c>). In a client it is
    /// all the Keycard registration needed: it adds what the token handler uses besides the provider (the ambient
    /// subject-token accessor, the clock), so no Keycard zone, client id or secret is configured there; the silos exchange.
    /// </summary>
    /// <remarks>
    /// <see cref="KeycardOrleansClientOptions"/> (the near cache: <c>Keycard:NearCache</c>, <c>Keycard:NearCacheSize</c>,
    /// <c>Keycard:NearCacheMaxAge</c>, <c>Keycard:ExpirySkew</c>) are bound from the <c>Keycard</c> section of the app's
    /// configuration when there is one, then <paramref name="configure"/> runs.
    /// </remarks>
    public static IServiceCollection UseOrleansTokenCache(this IServiceCollection services, Action<KeycardOrleansClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KeycardOrleansClientOptions>, BindAppKeycardSection>());
        return services.AddOrleansTokenProvider(configure);
    }

    /// <summary>
    /// As <see cref="UseOrleansTokenCache(IServiceCollection, Action{KeycardOrleansClientOptions}?)"/>, with
    /// <see cref="KeycardOrleansClientOptions"/> bound from <paramref name="keycardSection"/> (normally
    /// <c>configuration.GetSection("Keycard")</c>) instead of the app's <c>Keycard</c> section.
    /// </summary>
    public static IServiceCollection UseOrleansTokenCache(this IServiceCollection services, IConfiguration keycardSection, Action<KeycardOrleansClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(keycardSection);
        services.AddOptions<KeycardOrleansClientOptions>().Bind(keycardSection);
        return services.AddOrleansTokenProvider(configure);
    }

    private static IServiceCollection AddOrleansTokenProvider(this IServiceCollection services, Action<KeycardOrleansClientOptions>? configure)
    {
        // Checked when a host starts, not at the first token request (the provider checks again when it is created).
        var options = services.AddOptions<KeycardOrleansClientOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeycardOrleansClientOptions>, KeycardOrleansClientOptionsValidator>());
        services.Replace(ServiceDescriptor.Singleton<IKeycardTokenProvider>(sp => new OrleansKeycardTokenProvider(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<IOptions<KeycardOrleansClientOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IMeterFactory>())));
        services.TryAddSingleton<ISubjectTokenAccessor, AmbientSubjectTokenAccessor>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddMetrics();
        return services;
    }

    /// <summary>Binds the app's <c>Keycard</c> section when the app has a configuration (a host always does).</summary>
    private sealed class BindAppKeycardSection(IServiceProvider services) : IConfigureOptions<KeycardOrleansClientOptions>
    {
        public void Configure(KeycardOrleansClientOptions options)
        {
            if (services.GetService<IConfiguration>() is { } configuration)
            {
                configuration.GetSection(KeycardOptions.SectionName).Bind(options);
            }
        }
    }
}
