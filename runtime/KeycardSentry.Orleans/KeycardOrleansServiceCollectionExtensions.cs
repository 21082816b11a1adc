using KeycardSentry.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
    public static IServiceCollection UseOrleansTokenCache(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Replace(ServiceDescriptor.Singleton<IKeycardTokenProvider, OrleansKeycardTokenProvider>());
        services.TryAddSingleton<ISubjectTokenAccessor, AmbientSubjectTokenAccessor>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddMetrics();
        return services;
    }
}
