using BenchmarkDotNet.Attributes;
using KeycardSentry.Benchmarks.Infrastructure;
using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// A token get that is a grain call (near cache off), beside its floor: a grain call from the same client on the same
/// cluster that carries the same request and answers with a grant of the same size, doing nothing else
/// (<see cref="FloorGrain"/>). Two grain paths: the client knows the zone (validates the subject itself, calls the
/// user's grain: the path of an app configured with <c>AddKeycardOrleansTokenCache(configuration.GetSection("Keycard"))</c>),
/// and the client without zone settings (the silo's stateless gateway grain validates and forwards). One caller at a
/// time, and 64 callers (64 users) at once: there the time per get is the inverse of throughput.
/// Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*GrainPath*'
/// </summary>
[Config(typeof(FloorConfig))]
public class GrainPathBenchmarks
{
    private const int Callers = 64;

    private LocalKeycardZone _zone = null!;
    private BenchCluster _cluster = null!;
    private IKeycardTokenProvider _validating = null!;
    private IKeycardTokenProvider _gateway = null!;
    private KeycardTokenRequest[] _requests = null!;
    private IFloorGrain[] _floorGrains = null!;
    private IUserTokenGrain[] _userGrains = null!;
    private TokenGrainRequest[] _floorRequests = null!;
    private Task[] _pending = null!;

    [GlobalSetup]
    public void Setup()
    {
        _zone = LocalKeycardZone.StartAsync().GetAwaiter().GetResult();
        _cluster = BenchCluster.Start(_zone);
        var validatingHost = _cluster.StartClient(_zone, nearCache: false);
        _validating = validatingHost.Services.GetRequiredService<IKeycardTokenProvider>();
        _gateway = _cluster.StartClient(zone: null, nearCache: false).Services.GetRequiredService<IKeycardTokenProvider>();
        var grains = validatingHost.Services.GetRequiredService<IClusterClient>();

        _requests = new KeycardTokenRequest[Callers];
        _floorGrains = new IFloorGrain[Callers];
        _userGrains = new IUserTokenGrain[Callers];
        var validator = validatingHost.Services.GetRequiredService<KeycardSentry.Internal.ISubjectTokenValidator>();
        _floorRequests = new TokenGrainRequest[Callers];
        _pending = new Task[Callers];
        for (var i = 0; i < Callers; i++)
        {
            _requests[i] = new KeycardTokenRequest(_zone.MintSubjectToken("user" + i, TimeSpan.FromHours(4)), InProcessApp.Resource, ["org:read"]);
            var token = _validating.GetTokenAsync(_requests[i]).AsTask().GetAwaiter().GetResult();
            _gateway.GetTokenAsync(_requests[i]).AsTask().GetAwaiter().GetResult();

            // The floor's answer has the size of the real one (same access token, scopes, fingerprint).
            _floorGrains[i] = grains.GetGrain<IFloorGrain>("floor-user" + i);
            _floorGrains[i].SetGrantAsync(new TokenGrant(
                token.AccessToken, token.TokenType, token.ExpiresAt, [.. token.Scopes.Order(StringComparer.Ordinal)], token.Fingerprint,
                token.IssuedTokenType, DateTimeOffset.UtcNow.AddHours(4), token.ExpiresAt, token.ExpiresAt)).GetAwaiter().GetResult();
            _floorRequests[i] = new TokenGrainRequest(_requests[i].SubjectToken, _requests[i].Resource, _requests[i].ScopeString);
            _userGrains[i] = grains.GetGrain<IUserTokenGrain>(validator.ValidateAsync(_requests[i].SubjectToken).AsTask().GetAwaiter().GetResult().Binding.Key);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster.Dispose();
        _zone.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("sequential")]
    public Task<TokenGrant> FloorGrainCall() => _floorGrains[0].GetTokenAsync(_floorRequests[0]);

    [Benchmark]
    [BenchmarkCategory("sequential")]
    public ValueTask<KeycardToken> UserGrainValidatedOnClient() => _validating.GetTokenAsync(_requests[0]);

    [Benchmark]
    [BenchmarkCategory("sequential")]
    public ValueTask<KeycardToken> UserGrainThroughGateway() => _gateway.GetTokenAsync(_requests[0]);

    [Benchmark(Baseline = true, OperationsPerInvoke = Callers)]
    [BenchmarkCategory("64 callers")]
    public Task FloorGrainCall64()
    {
        for (var i = 0; i < Callers; i++)
        {
            _pending[i] = _floorGrains[i].GetTokenAsync(_floorRequests[i]);
        }

        return Task.WhenAll(_pending);
    }

    [Benchmark(OperationsPerInvoke = Callers)]
    [BenchmarkCategory("64 callers")]
    public Task UserGrainValidatedOnClient64() => All(_validating);

    [Benchmark(OperationsPerInvoke = Callers)]
    [BenchmarkCategory("64 callers")]
    public Task UserGrainThroughGateway64() => All(_gateway);

    /// <summary>
    /// Profiling aid (<c>profile grain64-direct</c>, not a benchmark): the user grains called as the floor is, with
    /// references and requests made once, so the difference to the floor is the silo's side of a get alone.
    /// </summary>
    public Task UserGrainDirect64()
    {
        for (var i = 0; i < Callers; i++)
        {
            _pending[i] = _userGrains[i].GetTokenAsync(_floorRequests[i]);
        }

        return Task.WhenAll(_pending);
    }

    private Task All(IKeycardTokenProvider tokens)
    {
        for (var i = 0; i < Callers; i++)
        {
            _pending[i] = tokens.GetTokenAsync(_requests[i]).AsTask();
        }

        return Task.WhenAll(_pending);
    }
}
