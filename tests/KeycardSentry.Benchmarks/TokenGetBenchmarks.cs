using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using KeycardSentry.Benchmarks.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// A cached token get, beside its floor: the cheapest lookup that still proves the caller holds the exact subject token,
/// a <see cref="ConcurrentDictionary{TKey,TValue}"/> keyed by the SHA-256 of the token's UTF-8 bytes, hashed on every
/// call. Against it: the in-process cache (JWT subject, default options: validation remembered, lifetime re-checked),
/// the same with an opaque subject and with the validation cache off (an RSA signature check per call), and an Orleans
/// client's near-cache hit.
/// Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*TokenGet*'
/// </summary>
[Config(typeof(FloorConfig))]
public class TokenGetBenchmarks
{
    private readonly ConcurrentDictionary<Sha256Key, KeycardToken> _floor = new();
    private LocalKeycardZone _zone = null!;
    private IHost? _host;
    private IHost? _uncachedHost;
    private BenchCluster? _cluster;
    private IKeycardTokenProvider _tokens = null!;
    private IKeycardTokenProvider _uncachedTokens = null!;
    private IKeycardTokenProvider _nearTokens = null!;
    private KeycardTokenRequest _jwtRequest = null!;
    private KeycardTokenRequest _opaqueRequest = null!;
    private string _subject = null!;

    [GlobalSetup(Targets = [nameof(Floor), nameof(InProcessJwt), nameof(InProcessOpaque), nameof(InProcessJwtValidationCacheOff)])]
    public void Setup()
    {
        StartZone();
        _host = InProcessApp.Start(_zone);
        _uncachedHost = InProcessApp.Start(_zone, o => o.SubjectValidationCacheSize = 0);
        _tokens = _host.Services.GetRequiredService<IKeycardTokenProvider>();
        _uncachedTokens = _uncachedHost.Services.GetRequiredService<IKeycardTokenProvider>();
        var token = Get(_tokens, _jwtRequest);
        Get(_tokens, _opaqueRequest);
        Get(_uncachedTokens, _jwtRequest);
        _floor[Sha256Key.Of(_subject)] = token;
        Console.WriteLine($"// subject token: JWT of {_subject.Length} characters");
    }

    [GlobalSetup(Target = nameof(NearCacheHit))]
    public void SetupNearCache()
    {
        StartZone();
        _cluster = BenchCluster.Start(_zone);
        _nearTokens = _cluster.StartClient(_zone, nearCache: true).Services.GetRequiredService<IKeycardTokenProvider>();
        Get(_nearTokens, _jwtRequest);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster?.Dispose();
        InProcessApp.Stop(_host, _uncachedHost);
        _zone.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>SHA-256 of the subject token's bytes, then one concurrent-dictionary lookup.</summary>
    [Benchmark(Baseline = true)]
    public KeycardToken Floor() => _floor[Sha256Key.Of(_jwtRequest.SubjectToken)];

    [Benchmark]
    public ValueTask<KeycardToken> InProcessJwt() => _tokens.GetTokenAsync(_jwtRequest);

    [Benchmark]
    public ValueTask<KeycardToken> InProcessOpaque() => _tokens.GetTokenAsync(_opaqueRequest);

    /// <summary><c>Keycard:SubjectValidationCacheSize = 0</c>: the RSA signature is checked on every call.</summary>
    [Benchmark]
    public ValueTask<KeycardToken> InProcessJwtValidationCacheOff() => _uncachedTokens.GetTokenAsync(_jwtRequest);

    /// <summary>An Orleans client app (near cache on, the default) serving a grant it already holds.</summary>
    [Benchmark]
    public ValueTask<KeycardToken> NearCacheHit() => _nearTokens.GetTokenAsync(_jwtRequest);

    private void StartZone()
    {
        _zone = LocalKeycardZone.StartAsync().GetAwaiter().GetResult();
        _subject = _zone.MintSubjectToken("alice", TimeSpan.FromHours(4));
        _jwtRequest = new KeycardTokenRequest(_subject, InProcessApp.Resource, ["org:read"]);
        _opaqueRequest = new KeycardTokenRequest(_zone.MintOpaqueSubjectToken("bob"), InProcessApp.Resource, ["org:read"]);
    }

    private static KeycardToken Get(IKeycardTokenProvider tokens, KeycardTokenRequest request) =>
        tokens.GetTokenAsync(request).AsTask().GetAwaiter().GetResult();

    /// <summary>A SHA-256 digest as four words: a dictionary key without an array per lookup.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Sha256Key(ulong W0, ulong W1, ulong W2, ulong W3)
    {
        public static Sha256Key Of(string token)
        {
            Span<byte> utf8 = stackalloc byte[4096];
            var length = Encoding.UTF8.GetBytes(token, utf8);
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(utf8[..length], digest);
            return MemoryMarshal.Read<Sha256Key>(digest);
        }
    }
}
