using System.Threading.Channels;
using KeycardSentry.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KeycardSentry.Tests.Support;

/// <summary>
/// Wraps the real exchange client (real HTTP to the zone) and, while <see cref="Holding"/>, hands each finished answer
/// to the test as a <see cref="Step"/> instead of returning it: the caller (a background refresh) sees the outcome only
/// when the test releases it, on the test's thread and at the fake clock's current instant. That makes "when did the
/// cache learn that the refresh failed" deterministic.
/// </summary>
internal sealed class SteppedExchangeClient(IKeycardExchangeClient inner) : IKeycardExchangeClient
{
    private readonly Channel<Step> _steps = Channel.CreateUnbounded<Step>();

    public bool Holding { get; set; }

    /// <summary>Replaces the app's exchange client with a stepped wrapper of the real one.</summary>
    public static void Install(IServiceCollection services)
    {
        services.TryAddSingleton<KeycardExchangeClient>();
        services.AddSingleton(sp => new SteppedExchangeClient(sp.GetRequiredService<KeycardExchangeClient>()));
        services.Replace(ServiceDescriptor.Singleton<IKeycardExchangeClient>(sp => sp.GetRequiredService<SteppedExchangeClient>()));
    }

    public Task<KeycardExchangeResponse> ExchangeAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default) =>
        StepAsync(inner.ExchangeAsync(request, cancellationToken));

    public Task<KeycardExchangeResponse> RefreshAsync(string refreshToken, string resource, IReadOnlyList<string> scopes, CancellationToken cancellationToken = default) =>
        StepAsync(inner.RefreshAsync(refreshToken, resource, scopes, cancellationToken));

    /// <summary>The next finished answer waiting for release.</summary>
    public ValueTask<Step> NextAsync(CancellationToken cancellationToken) => _steps.Reader.ReadAsync(cancellationToken);

    /// <summary>How many finished answers wait for release.</summary>
    public int Waiting => _steps.Reader.Count;

    private async Task<KeycardExchangeResponse> StepAsync(Task<KeycardExchangeResponse> call)
    {
        if (!Holding)
        {
            return await call.ConfigureAwait(false);
        }

        var step = new Step(await Task.WhenAny(call).ConfigureAwait(false));
        _steps.Writer.TryWrite(step);
        return await step.Released.ConfigureAwait(false);
    }

    /// <summary>One finished answer. <see cref="Release"/> hands it to the caller; its continuations run before it returns.</summary>
    internal sealed class Step(Task<KeycardExchangeResponse> outcome)
    {
        private readonly TaskCompletionSource<KeycardExchangeResponse> _released = new();

        public Task<KeycardExchangeResponse> Released => _released.Task;

        public bool Failed => !outcome.IsCompletedSuccessfully;

        public void Release()
        {
            if (outcome.IsCompletedSuccessfully)
            {
                _released.SetResult(outcome.Result);
            }
            else
            {
                _released.SetException(outcome.Exception!.InnerExceptions);
            }
        }
    }
}
