using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using KeycardSentry.Internal;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class SubjectValidationCacheTests
{
    private const string Resource = TestApp.Resource;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_remembered_validation_still_refuses_the_token_once_the_clock_passes_exp()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromHours(8) });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.ClockSkew = TimeSpan.FromSeconds(30), time: time);
        using var counters = new SubjectCounters(app);
        var token = zone.MintSubjectToken("alice", TimeSpan.FromMinutes(2)); // shorter than the 5-minute trust window
        var request = new KeycardTokenRequest(token, Resource);
        await app.Tokens.GetTokenAsync(request, Ct);

        time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(29)); // past exp, within clock skew: still served from the cache
        await app.Tokens.GetTokenAsync(request, Ct);
        Assert.Equal((1, 1), counters.HitsAndMisses);

        time.Advance(TimeSpan.FromSeconds(1)); // exp + ClockSkew: refused on the cache path, without a new signature check
        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Tokens.GetTokenAsync(request, Ct));
        Assert.Contains("it has expired", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SecurityTokenExpiredException>(ex.InnerException);
        Assert.DoesNotContain(token, ex.Message, StringComparison.Ordinal);
        Assert.Equal((1, 1), counters.HitsAndMisses);
        Assert.Equal(0, Validator(app).CachedValidations); // evicted

        // And it stays refused: the full validation now rejects it too.
        var again = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(token, Ct));
        Assert.Contains("it has expired", again.Message, StringComparison.Ordinal);
        Assert.Equal((1, 2), counters.HitsAndMisses);
        Assert.Equal(1, zone.TotalExchanges);
    }

    [Fact]
    public async Task A_forged_JWT_with_the_victims_sub_never_hits_the_victims_remembered_validation()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        using var counters = new SubjectCounters(app);
        var victimToken = zone.MintSubjectToken("victim");
        var victim = await app.Validator.ValidateAsync(victimToken, Ct);
        Assert.Equal(victim, await app.Validator.ValidateAsync(victimToken, Ct));
        await app.Tokens.GetTokenAsync(new KeycardTokenRequest(victimToken, Resource), Ct);
        Assert.Equal((2, 1), counters.HitsAndMisses);

        var forged = zone.MintForgedSubjectToken("victim");
        var parts = victimToken.Split('.');
        var flipped = parts[2][..^2] + (parts[2][^2] == 'A' ? 'B' : 'A') + parts[2][^1]; // one signature character changed
        var tampered = $"{parts[0]}.{parts[1]}.{flipped}";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            foreach (var bad in new[] { forged, tampered })
            {
                var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Tokens.GetTokenAsync(new KeycardTokenRequest(bad, Resource), Ct));
                Assert.Contains("signature", ex.Message, StringComparison.Ordinal);
            }
        }

        // Every bad attempt was a full validation (and failed); none was remembered; the victim's entry is untouched.
        Assert.Equal((2, 7), counters.HitsAndMisses);
        Assert.Equal(1, Validator(app).CachedValidations);
        Assert.Equal(1, zone.ExchangeCount("victim"));
        Assert.Single(zone.Requests);
        Assert.Equal(victim, await app.Validator.ValidateAsync(victimToken, Ct));
        Assert.Equal((3, 7), counters.HitsAndMisses);
    }

    [Fact]
    public async Task After_the_cache_duration_the_signature_is_checked_again()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.SubjectValidationCacheDuration = TimeSpan.FromMinutes(1), time: time);
        using var counters = new SubjectCounters(app);
        var token = zone.MintSubjectToken("alice", TimeSpan.FromHours(1));

        await app.Validator.ValidateAsync(token, Ct);
        time.Advance(TimeSpan.FromSeconds(59));
        await app.Validator.ValidateAsync(token, Ct);
        Assert.Equal((1, 1), counters.HitsAndMisses);

        time.Advance(TimeSpan.FromSeconds(1)); // trusted for exactly one minute
        var identity = await app.Validator.ValidateAsync(token, Ct);
        Assert.Equal((1, 2), counters.HitsAndMisses);
        Assert.Equal(TestBindings.Jwt(zone, "alice"), identity.Binding.Key);

        await app.Validator.ValidateAsync(token, Ct); // remembered again after the fresh check
        Assert.Equal((2, 2), counters.HitsAndMisses);
    }

    [Fact]
    public async Task The_cache_keeps_at_most_SubjectValidationCacheSize_entries_and_the_newest_one()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.SubjectValidationCacheSize = 5, time: time);
        using var counters = new SubjectCounters(app);
        var validator = Validator(app);

        string last = "";
        for (var i = 0; i < 40; i++)
        {
            last = zone.MintSubjectToken($"user{i}");
            await validator.ValidateAsync(last, Ct);
            Assert.InRange(validator.CachedValidations, 1, 5);
            time.Advance(TimeSpan.FromMilliseconds(10)); // distinct insertion times, so "oldest" is well defined
        }

        await validator.ValidateAsync(last, Ct);
        Assert.Equal((1, 40), counters.HitsAndMisses);
    }

    [Fact]
    public async Task Expired_entries_are_dropped_before_live_ones_when_the_cache_is_full()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => { o.SubjectValidationCacheSize = 3; o.ClockSkew = TimeSpan.Zero; }, time: time);
        using var counters = new SubjectCounters(app);
        var validator = Validator(app);
        var longLived = zone.MintSubjectToken("long", TimeSpan.FromHours(1));
        await validator.ValidateAsync(longLived, Ct);
        time.Advance(TimeSpan.FromSeconds(1));
        await validator.ValidateAsync(zone.MintSubjectToken("short1", TimeSpan.FromSeconds(10)), Ct);
        await validator.ValidateAsync(zone.MintSubjectToken("short2", TimeSpan.FromSeconds(10)), Ct);
        time.Advance(TimeSpan.FromSeconds(20));

        await validator.ValidateAsync(zone.MintSubjectToken("new"), Ct); // fourth entry: the two expired ones go, the oldest live one stays

        Assert.Equal(2, validator.CachedValidations);
        await validator.ValidateAsync(longLived, Ct);
        Assert.Equal((1, 4), counters.HitsAndMisses);
    }

    [Theory]
    [InlineData(0, 300)]
    [InlineData(100, 0)]
    public async Task Size_0_or_duration_0_turns_the_cache_off(int size, int durationSeconds)
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(
            zone,
            keycard: o =>
            {
                o.SubjectValidationCacheSize = size;
                o.SubjectValidationCacheDuration = TimeSpan.FromSeconds(durationSeconds);
            },
            time: time);
        using var counters = new SubjectCounters(app);
        var token = zone.MintSubjectToken("alice", TimeSpan.FromMinutes(2));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TestBindings.Jwt(zone, "alice"), (await app.Validator.ValidateAsync(token, Ct)).Binding.Key);
        }

        Assert.Equal(0, Validator(app).CachedValidations);
        Assert.Equal((0, 0), counters.HitsAndMisses);

        // A forged token and an expired one are refused exactly as with the cache.
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(zone.MintForgedSubjectToken("alice"), Ct));
        time.Advance(TimeSpan.FromMinutes(3));
        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(token, Ct));
        Assert.Contains("it has expired", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opaque_tokens_are_not_counted_or_cached()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque);
        using var counters = new SubjectCounters(app);
        var opaque = zone.MintOpaqueSubjectToken("alice");

        var identity = await app.Validator.ValidateAsync(opaque, Ct);
        await app.Validator.ValidateAsync(opaque, Ct);

        Assert.Equal("opaque:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(opaque))), identity.Binding.Key);
        Assert.Equal(TestBindings.Opaque(opaque), identity.Binding.Key);
        Assert.Equal((0, 0), counters.HitsAndMisses);
        Assert.Equal(0, Validator(app).CachedValidations);
    }

    [Fact]
    public async Task Negative_cache_options_fail_start_naming_the_keys()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keycard:ZoneUrl"] = "https://zone.keycard.cloud",
            ["Keycard:ClientId"] = "app",
            ["Keycard:ClientSecret"] = "s",
            ["Keycard:SubjectValidationCacheSize"] = "-1",
            ["Keycard:SubjectValidationCacheDuration"] = "-00:00:01",
        });
        builder.Services.AddKeycard(builder.Configuration.GetSection(KeycardOptions.SectionName));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("Keycard:SubjectValidationCacheSize must not be negative", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard:SubjectValidationCacheDuration must not be negative", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cache_options_bind_from_configuration_with_their_defaults()
    {
        Assert.Equal(10_000, new KeycardOptions().SubjectValidationCacheSize);
        Assert.Equal(TimeSpan.FromMinutes(5), new KeycardOptions().SubjectValidationCacheDuration);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keycard:ZoneUrl"] = "http://127.0.0.1:5999",
            ["Keycard:ClientId"] = "app",
            ["Keycard:ClientSecret"] = "s",
            ["Keycard:SubjectAudience"] = "my-app",
            ["Keycard:SubjectValidationCacheSize"] = "0",
            ["Keycard:SubjectValidationCacheDuration"] = "00:01:30",
        });
        builder.Services.AddKeycard();
        using var host = builder.Build();
        await host.StartAsync(Ct);

        var options = host.Services.GetRequiredService<IOptions<KeycardOptions>>().Value;
        Assert.Equal(0, options.SubjectValidationCacheSize);
        Assert.Equal(TimeSpan.FromSeconds(90), options.SubjectValidationCacheDuration);
        Assert.Contains("SubjectValidationCacheSize = 0", options.ToString(), StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public void The_cache_refuses_a_remembered_token_when_the_clock_goes_back_before_nbf()
    {
        var clock = new SettableClock(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        var cache = new SubjectValidationCache(10, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), clock, NullLogger.Instance);
        var hash = SubjectTokenHash.Compute("header.payload.signature");
        var identity = new SubjectIdentity(SubjectBinding.ForJwt("https://zone", "alice"), default, clock.Now + TimeSpan.FromHours(1));
        cache.Add(hash, identity, clock.Now, clock.Now + TimeSpan.FromHours(1));

        Assert.Equal(SubjectCacheLookup.Hit, cache.Lookup(hash, out var entry));
        Assert.Same(identity, entry!.Identity);
        Assert.Equal(SubjectCacheLookup.Miss, cache.Lookup(SubjectTokenHash.Compute("header.payload.signaturE"), out _));

        clock.Now -= TimeSpan.FromSeconds(31); // a wall clock stepped back past nbf - ClockSkew
        Assert.Equal(SubjectCacheLookup.NotYetValid, cache.Lookup(hash, out _));
        Assert.Equal(0, cache.Count);
        Assert.Equal(SubjectCacheLookup.Miss, cache.Lookup(hash, out _));
    }

    [Fact]
    public void Token_hashes_compare_all_32_bytes_and_match_SHA256_of_the_UTF8_bytes()
    {
        var longToken = new string('é', 3000) + ".x.y"; // past the stack buffer: the pooled path
        foreach (var token in new[] { "a.b.c", longToken })
        {
            var hash = SubjectTokenHash.Compute(token);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), hash.ToHexLower());
            Assert.Equal(hash, SubjectTokenHash.Compute(token));
            Assert.True(SubjectTokenHash.FixedTimeEquals(hash, SubjectTokenHash.Compute(token)));
            Assert.False(SubjectTokenHash.FixedTimeEquals(hash, SubjectTokenHash.Compute(token + " ")));
            Assert.NotEqual(hash, SubjectTokenHash.Compute(token + " "));
            Assert.DoesNotContain(hash.ToHexLower(), hash.ToString(), StringComparison.Ordinal);
        }
    }

    private static SubjectTokenValidator Validator(TestApp app) => Assert.IsType<SubjectTokenValidator>(app.Validator);

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>The validation-cache counters of one app.</summary>
    private sealed class SubjectCounters : IDisposable
    {
        private readonly MetricCollector<long> _hits;
        private readonly MetricCollector<long> _misses;

        public SubjectCounters(TestApp app)
        {
            var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
            _hits = new MetricCollector<long>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.SubjectValidationCacheHits);
            _misses = new MetricCollector<long>(meterFactory, KeycardDiagnostics.Name, KeycardDiagnostics.SubjectValidationCacheMisses);
        }

        public (int Hits, int Misses) HitsAndMisses =>
            ((int)_hits.GetMeasurementSnapshot().Sum(m => m.Value), (int)_misses.GetMeasurementSnapshot().Sum(m => m.Value));

        public void Dispose()
        {
            _hits.Dispose();
            _misses.Dispose();
        }
    }
}
