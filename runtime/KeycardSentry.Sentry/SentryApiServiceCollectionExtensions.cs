using KeycardSentry;
using KeycardSentry.Sentry;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the generated Sentry clients, wired to Keycard token exchange.</summary>
public static class SentryApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers every generated Sentry client (<c>ISentryOrganizationsApi</c>, <c>ISentryProjectsApi</c>, ...) with
    /// <see cref="SentryApiOptions"/> bound from the <c>SentryApi</c> configuration section and then
    /// <paramref name="configure"/>. Each call gets the current user's token through <see cref="KeycardTokenHandler"/>;
    /// add the token source with <c>AddKeycard(...)</c> (in-process) or <c>UseOrleansTokenCache()</c> (cluster).
    /// </summary>
    public static IServiceCollection AddSentryApi(this IServiceCollection services, Action<SentryApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SentryApiOptions>().BindConfiguration(SentryApiOptions.SectionName);
        return services.AddKeycardApiClients(
            SentryApiScopeCatalog.Instance,
            configureEach => services.AddSentryClients(configureEach, KeycardRefitSettings.Create()),
            configure);
    }

    /// <summary>Registers every generated Sentry client with <see cref="SentryApiOptions"/> bound from <paramref name="section"/>.</summary>
    public static IServiceCollection AddSentryApi(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<SentryApiOptions>().Bind(section);
        return services.AddKeycardApiClients(
            SentryApiScopeCatalog.Instance,
            configureEach => services.AddSentryClients(configureEach, KeycardRefitSettings.Create()));
    }
}
