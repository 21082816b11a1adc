using KeycardSentry.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal.ClientAuthentication;

/// <summary>The client authentication methods, as <see cref="KeycardOptions.ClientAuthentication"/> names them.</summary>
internal enum ClientAuthenticationMethod
{
    ClientSecretBasic,
    PrivateKeyJwt,
}

/// <summary>Chooses the <see cref="IClientAuthentication"/> from <see cref="KeycardOptions"/>, in one place for the validator and the factory.</summary>
internal static class ClientAuthenticationSelection
{
    /// <summary>
    /// The method the options ask for: <see cref="KeycardOptions.ClientAuthentication"/> when set (our names or the RFC
    /// ones, any case), else <c>PrivateKeyJwt</c> when a client-assertion key is configured, else <c>ClientSecretBasic</c>.
    /// Null when the setting names no known method.
    /// </summary>
    public static ClientAuthenticationMethod? Resolve(KeycardOptions options) => options.ClientAuthentication?.Trim().ToUpperInvariant() switch
    {
        null or "" => ClientAssertionKey.ConfiguredSources(options.ClientAssertion ?? new()).Count > 0 ? ClientAuthenticationMethod.PrivateKeyJwt : ClientAuthenticationMethod.ClientSecretBasic,
        "CLIENTSECRETBASIC" or "CLIENT_SECRET_BASIC" => ClientAuthenticationMethod.ClientSecretBasic,
        "PRIVATEKEYJWT" or "PRIVATE_KEY_JWT" => ClientAuthenticationMethod.PrivateKeyJwt,
        _ => null,
    };

    /// <summary>
    /// Registers the client authentication chosen from the options, its start-up validation, and the token response
    /// parser (which names the chosen method's settings when the zone answers <c>invalid_client</c>).
    /// </summary>
    public static IServiceCollection AddKeycardClientAuthentication(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeycardOptions>, ClientAuthenticationOptionsValidator>());
        services.TryAddSingleton(Create);
        services.TryAddSingleton<TokenResponseParser>();
        return services;
    }

    private static IClientAuthentication Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<KeycardOptions>>().Value;
        var timeProvider = services.GetRequiredService<TimeProvider>();
        switch (Resolve(options))
        {
            case ClientAuthenticationMethod.ClientSecretBasic:
                return new ClientSecretBasicAuthentication(options.ClientId!, options.ClientSecret!);
            case ClientAuthenticationMethod.PrivateKeyJwt:
                return ClientAssertionKey.TryLoad(options.ClientAssertion, timeProvider, out var key, out var error)
                    ? new PrivateKeyJwtAuthentication(options.ClientId!, key!, options.ClientAssertion.Lifetime, timeProvider)
                    : throw new InvalidOperationException(error);
            default:
                throw new InvalidOperationException($"Keycard:ClientAuthentication '{MessageText.Sanitize(options.ClientAuthentication, 64)}' is not a known method: use ClientSecretBasic or PrivateKeyJwt.");
        }
    }
}
