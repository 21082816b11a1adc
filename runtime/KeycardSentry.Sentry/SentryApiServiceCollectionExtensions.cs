using KeycardSentry;
using KeycardSentry.Sentry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the generated Sentry clients, wired to Keycard token exchange.</summary>
public static class SentryApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers every generated Sentry client (<c>ISentryOrganizationsApi</c>, <c>ISentryProjectsApi</c>, ...) with
    /// <see cref="SentryApiOptions"/> bound from the <c>SentryApi</c> configuration section and then
    /// <paramref name="configure"/>. Each call gets the current user's token through the Keycard token handler; add the
    /// token source with <c>AddKeycard(...)</c> (in-process) or <c>AddKeycardOrleansTokenCache()</c> (cluster).
    /// </summary>
    public static IServiceCollection AddSentryApi(this IServiceCollection services, Action<SentryApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SentryApiOptions>, SentryApiOptionsValidator>());
        return services.AddKeycardApi(
            SentryApiOptions.SectionName,
            SentryApiScopeCatalog.Instance,
            configureEach => services.AddSentryClients(configureEach, KeycardRefitSettings.Create()),
            SentryApiProfile.Instance,
            configure);
    }
}
