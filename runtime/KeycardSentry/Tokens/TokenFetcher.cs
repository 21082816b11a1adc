using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// What a <see cref="TokenTable"/> calls to get a new token, the same for the in-process cache and the Orleans grain:
/// the refresh token when there is one (keeping it when Keycard's answer has none), falling back to a new exchange when
/// Keycard refuses it; else an exchange of the caller's subject token. Keycard refusing the subject token itself
/// (<c>invalid_grant</c>) becomes a <see cref="KeycardSubjectException"/>: whatever the cause, the user must sign in again.
/// </summary>
internal sealed class TokenFetcher(IKeycardExchangeClient exchange, IOptions<KeycardOptions> options, ILogger<TokenFetcher> logger)
{
    private readonly bool _useRefreshTokens = options.Value.UseRefreshTokens;

    public async Task<KeycardExchangeResponse> FetchAsync(KeycardTokenRequest request, string? refreshToken)
    {
        if (_useRefreshTokens && refreshToken is not null)
        {
            try
            {
                var refreshed = await exchange.RefreshAsync(refreshToken, request.Resource, request.Scopes, CancellationToken.None).ConfigureAwait(false);
                return refreshed.RefreshToken is null ? new KeycardExchangeResponse(refreshed.Token, refreshToken) : refreshed;
            }
            catch (KeycardExchangeException ex) when (!ex.IsRetryable)
            {
                Log.RefreshFellBack(logger, ex.Error);
            }
        }

        try
        {
            return await exchange.ExchangeAsync(request, CancellationToken.None).ConfigureAwait(false);
        }
        catch (KeycardExchangeException ex) when (ex.Error == "invalid_grant")
        {
            throw new KeycardSubjectException(
                "Keycard refused the user's subject token (invalid_grant): it is invalid, expired or revoked at the zone. " +
                "No token is issued for it; the user must sign in to Keycard again.",
                ex);
        }
    }
}
