using KeycardSentry.Internal;

namespace KeycardSentry.LoadHarness;

/// <summary>
/// What Keycard's own SDKs do: an RFC 8693 exchange for every call, nothing cached, nothing validated locally (the
/// zone checks the subject token). The "naive" baseline.
/// </summary>
internal sealed class NoCacheTokenProvider(IKeycardExchangeClient exchange) : IKeycardTokenProvider
{
    public async ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default) =>
        (await exchange.ExchangeAsync(request, cancellationToken).ConfigureAwait(false)).Token;

    public ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}
