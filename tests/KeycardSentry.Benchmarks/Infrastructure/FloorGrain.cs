using KeycardSentry.Orleans;
using Orleans.Concurrency;

namespace KeycardSentry.Benchmarks.Infrastructure;

/// <summary>
/// The floor of a token grain call: a grain that takes the same request (subject token, resource, scopes) and answers
/// with a grant of the same size, doing nothing else. What remains is Orleans itself: routing, serialization both ways,
/// the socket, the scheduler.
/// </summary>
public interface IFloorGrain : IGrainWithStringKey
{
    /// <summary>Keeps <paramref name="grant"/> as the answer to every later call.</summary>
    Task SetGrantAsync(TokenGrant grant);

    /// <summary>Answers with the kept grant.</summary>
    Task<TokenGrant> GetTokenAsync(TokenGrainRequest request);
}

/// <inheritdoc cref="IFloorGrain" />
[Reentrant]
public sealed class FloorGrain : Grain, IFloorGrain
{
    private TokenGrant? _grant;

    /// <inheritdoc />
    public Task SetGrantAsync(TokenGrant grant)
    {
        _grant = grant;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<TokenGrant> GetTokenAsync(TokenGrainRequest request) => Task.FromResult(_grant!);
}
