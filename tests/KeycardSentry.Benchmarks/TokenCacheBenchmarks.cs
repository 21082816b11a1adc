using BenchmarkDotNet.Attributes;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// The cache-hit path of <see cref="IKeycardTokenProvider.GetTokenAsync"/>: subject validation (a remembered JWT
/// validation, the full JWT signature check with the validation cache off, or SHA-256 for opaque tokens) plus the
/// lookup. Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class TokenCacheBenchmarks
{
    private LocalKeycardZone _zone = null!;
    private IHost _host = null!;
    private IHost _uncachedHost = null!;
    private IKeycardTokenProvider _tokens = null!;
    private IKeycardTokenProvider _uncachedTokens = null!;
    private KeycardTokenRequest _jwtRequest = null!;
    private KeycardTokenRequest _opaqueRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _zone = LocalKeycardZone.StartAsync().GetAwaiter().GetResult();
        _host = StartHost(subjectValidationCacheSize: new KeycardOptions().SubjectValidationCacheSize);
        _uncachedHost = StartHost(subjectValidationCacheSize: 0);
        _tokens = _host.Services.GetRequiredService<IKeycardTokenProvider>();
        _uncachedTokens = _uncachedHost.Services.GetRequiredService<IKeycardTokenProvider>();
        _jwtRequest = new KeycardTokenRequest(_zone.MintSubjectToken("alice"), "https://sentry.io/api/0", ["org:read"]);
        _opaqueRequest = new KeycardTokenRequest(_zone.MintOpaqueSubjectToken("bob"), "https://sentry.io/api/0", ["org:read"]);
        _tokens.GetTokenAsync(_jwtRequest).AsTask().GetAwaiter().GetResult();
        _tokens.GetTokenAsync(_opaqueRequest).AsTask().GetAwaiter().GetResult();
        _uncachedTokens.GetTokenAsync(_jwtRequest).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var host in new[] { _host, _uncachedHost })
        {
            host.StopAsync().GetAwaiter().GetResult();
            host.Dispose();
        }

        _zone.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public ValueTask<KeycardToken> CacheHitJwtSubject() => _tokens.GetTokenAsync(_jwtRequest);

    /// <summary>The same call with <c>Keycard:SubjectValidationCacheSize = 0</c>: the RSA signature check on every call (the old behaviour).</summary>
    [Benchmark]
    public ValueTask<KeycardToken> CacheHitJwtSubjectValidationCacheOff() => _uncachedTokens.GetTokenAsync(_jwtRequest);

    [Benchmark]
    public ValueTask<KeycardToken> CacheHitOpaqueSubject() => _tokens.GetTokenAsync(_opaqueRequest);

    private IHost StartHost(int subjectValidationCacheSize)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKeycard(o =>
        {
            o.ZoneUrl = _zone.Issuer;
            o.ClientId = _zone.ClientId;
            o.ClientSecret = _zone.ClientSecret;
            o.SubjectAudience = _zone.SubjectAudience;
            o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque;
            o.SubjectValidationCacheSize = subjectValidationCacheSize;
        });
        var host = builder.Build();
        host.StartAsync().GetAwaiter().GetResult();
        return host;
    }
}
