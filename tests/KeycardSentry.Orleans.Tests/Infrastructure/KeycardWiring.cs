using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>Points the runtime's exchange client and validator at a local zone.</summary>
internal static class KeycardWiring
{
    public const string Resource = "https://sentry.io/api/0";

    public static IServiceCollection AddZone(IServiceCollection services, LocalKeycardZone zone, Action<KeycardOptions>? keycard = null) =>
        services.AddKeycard(o =>
        {
            o.ZoneUrl = zone.ZoneUrl.ToString();
            o.ClientId = zone.ClientId;
            o.ClientSecret = zone.ClientSecret;
            o.SubjectAudience = zone.SubjectAudience;
            o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque;
            keycard?.Invoke(o);
        });

    public static KeycardTokenRequest Request(string subjectToken, params string[] scopes) =>
        new(subjectToken, Resource, scopes.Length == 0 ? ["org:read"] : scopes);
}
