using System.Runtime.CompilerServices;
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
internal sealed class TokenGatewayGrain(ISubjectTokenValidator validator, KeycardGrainMetrics metrics) : Grain, ITokenGatewayGrain
{
    // The user's grain reference per remembered validation (as in the Orleans provider): no interface resolution and
    // new reference per call.
    private readonly ConditionalWeakTable<SubjectBinding, IUserTokenGrain> _userGrains = new();

    public async Task<TokenGrant> GetTokenAsync(TokenGrainRequest request)
    {
        var binding = await ValidateAsync(request);
        return await UserGrain(binding).GetTokenAsync(request);
    }

    public async Task InvalidateAsync(TokenGrainRequest request, string fingerprint)
    {
        var binding = await ValidateAsync(request);
        await UserGrain(binding).InvalidateAsync(request, fingerprint);
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

    private IUserTokenGrain UserGrain(SubjectBinding binding) =>
        _userGrains.TryGetValue(binding, out var grain) ? grain : _userGrains.GetValue(binding, b => GrainFactory.GetGrain<IUserTokenGrain>(b.Key));
}
