using KeycardSentry.Internal;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// Stands in for the exchange client and validator on a silo started without a Keycard zone: the cluster runs, and
/// every token grain call fails with a message saying what to configure, instead of pretending.
/// </summary>
internal sealed class UnconfiguredKeycardZone : IKeycardExchangeClient, ISubjectTokenValidator
{
    public const string Message =
        "This silo has no Keycard zone configured, so it cannot exchange tokens. Set Keycard:ZoneUrl, Keycard:ClientId and " +
        "Keycard:ClientSecret (environment variables Keycard__ZoneUrl, Keycard__ClientId, Keycard__ClientSecret) and restart the silo.";

    public Task<KeycardExchangeResponse> ExchangeAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default) =>
        throw NotConfigured();

    public Task<KeycardExchangeResponse> RefreshAsync(string refreshToken, string resource, IReadOnlyList<string> scopes, CancellationToken cancellationToken = default) =>
        throw NotConfigured();

    public ValueTask<SubjectIdentity> ValidateAsync(string subjectToken, CancellationToken cancellationToken = default) =>
        throw NotConfigured();

    public ValueTask<SubjectIdentity> ValidateReceivedAsync(string subjectToken) => throw NotConfigured();

    private static KeycardExchangeException NotConfigured() => new(Message, error: "zone_not_configured");
}
