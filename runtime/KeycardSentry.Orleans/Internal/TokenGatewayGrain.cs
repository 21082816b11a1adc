using KeycardSentry.Internal;
using Orleans.Concurrency;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// The silo-side front door for clients that cannot validate subject tokens themselves: validates first (in as many
/// parallel activations as the silo needs), then forwards to the user's grain named by the validated binding. A forged,
/// junk or oversized token is refused here and never reaches, let alone occupies, a user's grain.
/// </summary>
[StatelessWorker]
[Reentrant]
internal sealed class TokenGatewayGrain(ISubjectTokenValidator validator, KeycardGrainMetrics metrics, IGrainFactory grains) : Grain, ITokenGatewayGrain
{
    private readonly UserGrainReferences _userGrains = new(grains);

    public async Task<TokenGrant> GetTokenAsync(TokenGrainRequest request)
    {
        var binding = await ValidateAsync(request);
        return await _userGrains.For(binding).GetTokenAsync(request);
    }

    public async Task InvalidateAsync(TokenGrainRequest request, string fingerprint)
    {
        var binding = await ValidateAsync(request);
        await _userGrains.For(binding).InvalidateAsync(request, fingerprint);
    }

    private async ValueTask<SubjectBinding> ValidateAsync(TokenGrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            // Read from a message: a new string per call, so not remembered by instance (the user grain hashes it again).
            return (await validator.ValidateReceivedAsync(request.SubjectToken)).Binding;
        }
        catch (KeycardSubjectException)
        {
            metrics.Denied("invalid_subject");
            throw;
        }
    }
}
