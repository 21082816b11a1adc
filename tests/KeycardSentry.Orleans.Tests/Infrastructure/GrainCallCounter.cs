using System.Collections.Concurrent;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>Counts calls that reach a user token grain (and the silo's token gateway), per method, across every silo of a test cluster.</summary>
internal sealed class GrainCallCounter : IIncomingGrainCallFilter
{
    private const string GatewayPrefix = "Gateway.";

    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public int GetToken => Count(nameof(IUserTokenGrain.GetTokenAsync));

    public int Invalidate => Count(nameof(IUserTokenGrain.InvalidateAsync));

    /// <summary>Token requests that reached the silo's <see cref="ITokenGatewayGrain"/> (from clients that do not validate themselves).</summary>
    public int GatewayGetToken => Count(GatewayPrefix + nameof(ITokenGatewayGrain.GetTokenAsync));

    public int Count(string method) => _calls.TryGetValue(method, out var count) ? count : 0;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(IUserTokenGrain))
        {
            _calls.AddOrUpdate(context.InterfaceMethod.Name, 1, (_, count) => count + 1);
        }
        else if (context.InterfaceMethod?.DeclaringType == typeof(ITokenGatewayGrain))
        {
            _calls.AddOrUpdate(GatewayPrefix + context.InterfaceMethod.Name, 1, (_, count) => count + 1);
        }

        return context.Invoke();
    }
}
