using BenchmarkDotNet.Attributes;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// The cache-hit path of <see cref="IKeycardTokenProvider.GetTokenAsync"/>: subject validation (JWT signature check,
/// or SHA-256 for opaque tokens) plus the lookup. Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class TokenCacheBenchmarks
{
    private LocalKeycardZone _zone = null!;
    private IHost _host = null!;
    private IKeycardTokenProvider _tokens = null!;
    private KeycardTokenRequest _jwtRequest = null!;
    private KeycardTokenRequest _opaqueRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _zone = LocalKeycardZone.StartAsync().GetAwaiter().GetResult();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKeycard(o =>
        {
            o.ZoneUrl = _zone.Issuer;
            o.ClientId = _zone.ClientId;
            o.ClientSecret = _zone.ClientSecret;
        });
        _host = builder.Build();
        _host.StartAsync().GetAwaiter().GetResult();
        _tokens = _host.Services.GetRequiredService<IKeycardTokenProvider>();
        _jwtRequest = new KeycardTokenRequest(_zone.MintSubjectToken("alice"), SentryApiOptions.DefaultResource, ["org:read"]);
        _opaqueRequest = new KeycardTokenRequest(_zone.MintOpaqueSubjectToken("bob"), SentryApiOptions.DefaultResource, ["org:read"]);
        _tokens.GetTokenAsync(_jwtRequest).AsTask().GetAwaiter().GetResult();
        _tokens.GetTokenAsync(_opaqueRequest).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _zone.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public ValueTask<KeycardToken> CacheHitJwtSubject() => _tokens.GetTokenAsync(_jwtRequest);

    [Benchmark]
    public ValueTask<KeycardToken> CacheHitOpaqueSubject() => _tokens.GetTokenAsync(_opaqueRequest);
}
