using KeycardSentry.Internal;
using System.Diagnostics.Metrics;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>
/// Signing-key rotation and withdrawal at the zone, driven by a fake clock: the JWKS is refreshed on the injected
/// <see cref="TimeProvider"/> every Keycard:JwksRefreshInterval, at once for an unknown kid (rate-limited), and a
/// remembered validation never outlives the JWKS it was checked against.
/// </summary>
public sealed class KeyRotationTests
{
    private const string Resource = TestApp.Resource;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_a_rotation_that_keeps_the_old_key_published_old_and_new_tokens_both_validate()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var oldKid = zone.SigningKeyId;
        var oldToken = zone.MintSubjectToken("alice");
        Assert.Equal(TestBindings.Jwt(zone, "alice"), (await app.Validator.ValidateAsync(oldToken, Ct)).Binding.Key);

        time.Advance(TimeSpan.FromMinutes(1));
        var newKid = zone.RotateSigningKey(keepOldKeyPublished: true);
        var newToken = zone.MintSubjectToken("bob");

        Assert.NotEqual(oldKid, newKid);
        Assert.Equal([oldKid, newKid], zone.PublishedKeyIds);
        Assert.Equal(TestBindings.Jwt(zone, "bob"), (await app.Validator.ValidateAsync(newToken, Ct)).Binding.Key);
        Assert.Equal(TestBindings.Jwt(zone, "alice"), (await app.Validator.ValidateAsync(oldToken, Ct)).Binding.Key);
        Assert.Equal(2, zone.JwksRequestCount);

        // Past the refresh interval and the trust window: both are checked in full against a fresh JWKS, and both pass.
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(TestBindings.Jwt(zone, "alice"), (await app.Validator.ValidateAsync(oldToken, Ct)).Binding.Key);
        Assert.Equal(TestBindings.Jwt(zone, "bob"), (await app.Validator.ValidateAsync(newToken, Ct)).Binding.Key);
        Assert.Equal(3, zone.JwksRequestCount);

        // And the zone takes both for an exchange.
        await app.Tokens.GetTokenAsync(new KeycardTokenRequest(oldToken, Resource), Ct);
        await app.Tokens.GetTokenAsync(new KeycardTokenRequest(newToken, Resource), Ct);
        Assert.Equal(2, zone.TotalExchanges);
    }

    [Fact]
    public async Task A_token_signed_with_a_key_rotated_in_just_now_validates_at_once_through_one_JWKS_fetch()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, time: time);
        using var refreshes = new RefreshCounter(app);
        await app.Validator.ValidateAsync(zone.MintSubjectToken("alice"), Ct);
        Assert.Equal(1, zone.JwksRequestCount);

        time.Advance(TimeSpan.FromMinutes(1)); // the cached JWKS is a minute old, well inside its 10-minute interval
        zone.RotateSigningKey(keepOldKeyPublished: false);
        var identity = await app.Validator.ValidateAsync(zone.MintSubjectToken("bob"), Ct); // no time passes

        Assert.Equal(TestBindings.Jwt(zone, "bob"), identity.Binding.Key);
        Assert.Equal(2, zone.JwksRequestCount);
        Assert.Equal(1, refreshes.Count("unknown_key", "success"));
        Assert.Contains(app.Logs.GetSnapshot(), r => r.Level == LogLevel.Information && r.Message.Contains("signing key the cached JWKS", StringComparison.Ordinal));

        // The next new-kid token needs no fetch: the JWKS in memory has the key now.
        await app.Validator.ValidateAsync(zone.MintSubjectToken("carol"), Ct);
        Assert.Equal(2, zone.JwksRequestCount);
    }

    [Fact]
    public async Task Tokens_with_made_up_kids_cost_the_zone_at_most_one_JWKS_fetch_per_minimum_interval()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.JwksMinimumRefreshInterval = TimeSpan.FromSeconds(30), time: time);
        await app.Validator.ValidateAsync(zone.MintSubjectToken("alice"), Ct);
        time.Advance(TimeSpan.FromMinutes(1));

        for (var i = 0; i < 20; i++)
        {
            var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(zone.MintSubjectTokenWithUnknownKey("mallory"), Ct));
            Assert.Contains("its signature does not verify against the zone's keys", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(2, zone.JwksRequestCount); // the first unknown kid fetched; the other 19 did not

        time.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(zone.MintSubjectTokenWithUnknownKey("mallory"), Ct));
        Assert.Equal(2, zone.JwksRequestCount);

        // A real rotation inside the throttled window is refused until the window ends (the documented price of the limit)...
        zone.RotateSigningKey(keepOldKeyPublished: true);
        var rotated = zone.MintSubjectToken("bob");
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(rotated, Ct));
        Assert.Equal(2, zone.JwksRequestCount);

        // ...and accepted once it has.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TestBindings.Jwt(zone, "bob"), (await app.Validator.ValidateAsync(rotated, Ct)).Binding.Key);
        Assert.Equal(3, zone.JwksRequestCount);
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(zone.MintSubjectTokenWithUnknownKey("mallory"), Ct));
        Assert.Equal(3, zone.JwksRequestCount);
    }

    [Fact]
    public async Task A_withdrawn_key_stops_working_within_the_JWKS_refresh_interval_even_for_a_remembered_validation()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(
            zone,
            keycard: o =>
            {
                o.JwksRefreshInterval = TimeSpan.FromMinutes(10);
                o.SubjectValidationCacheDuration = TimeSpan.FromMinutes(5);
            },
            time: time);
        using var refreshes = new RefreshCounter(app);
        await app.Validator.ValidateAsync(zone.MintSubjectToken("warm-up"), Ct); // JWKS fetched at T0, due again at T0 + 10 min

        // At T0 + 9 min alice's token is validated (and remembered) for the first time; then the zone withdraws its key.
        time.Advance(TimeSpan.FromMinutes(9));
        var compromised = zone.MintSubjectToken("alice");
        await app.Validator.ValidateAsync(compromised, Ct);
        var oldKid = zone.SigningKeyId;
        zone.RotateSigningKey(keepOldKeyPublished: false);
        Assert.DoesNotContain(oldKid, zone.PublishedKeyIds);

        // Until the JWKS is due the runtime cannot know: the token is still accepted.
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(TestBindings.Jwt(zone, "alice"), (await app.Validator.ValidateAsync(compromised, Ct)).Binding.Key);

        // At T0 + 10 min the JWKS is refetched and the remembered validation has lapsed with it (not at T0 + 14 min).
        time.Advance(TimeSpan.FromSeconds(1));
        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(compromised, Ct));
        Assert.Contains("its signature does not verify against the zone's keys", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(compromised, ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, zone.JwksRequestCount); // the scheduled refresh; the old kid caused no extra fetch of a JWKS fetched just now
        Assert.Equal(1, refreshes.Count("scheduled", "success"));
        Assert.Equal(0, refreshes.Count("unknown_key", "success"));

        // It stays refused, and the new key works.
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Validator.ValidateAsync(compromised, Ct));
        Assert.Equal(TestBindings.Jwt(zone, "bob"), (await app.Validator.ValidateAsync(zone.MintSubjectToken("bob"), Ct)).Binding.Key);
    }

    [Fact]
    public async Task A_failed_JWKS_refresh_keeps_the_last_good_keys_and_retries_after_the_minimum_interval()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.SubjectValidationCacheSize = 0, time: time);
        using var refreshes = new RefreshCounter(app);
        var token = zone.MintSubjectToken("alice");
        await app.Validator.ValidateAsync(token, Ct);
        Assert.Equal(1, zone.MetadataRequestCount);

        zone.FailNextMetadataRequests(1);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(TestBindings.Jwt(zone, "alice"), (await app.Validator.ValidateAsync(token, Ct)).Binding.Key);
        Assert.Equal(2, zone.MetadataRequestCount);
        Assert.Equal(1, refreshes.Count("scheduled", "failure"));
        Assert.Contains(app.Logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("stay in use", StringComparison.Ordinal));

        // Not retried on every call...
        time.Advance(TimeSpan.FromSeconds(29));
        await app.Validator.ValidateAsync(token, Ct);
        Assert.Equal(2, zone.MetadataRequestCount);

        // ...but once the minimum interval has passed.
        time.Advance(TimeSpan.FromSeconds(1));
        await app.Validator.ValidateAsync(token, Ct);
        Assert.Equal(3, zone.MetadataRequestCount);
        Assert.Equal(1, refreshes.Count("scheduled", "success"));
    }

    [Fact]
    public async Task An_opaque_subject_token_is_bound_without_discovery_but_a_JWT_shaped_one_is_still_validated()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        // Not started: no start-up fetch of the zone, so the count below is the validator's alone.
        using var host = TestApp.Build(zone, keycard: o => o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque);
        var validator = host.Services.GetRequiredService<ISubjectTokenValidator>();

        var opaque = zone.MintOpaqueSubjectToken("alice");
        var identity = await validator.ValidateAsync(opaque, Ct);
        Assert.StartsWith("opaque:", identity.Binding.Key, StringComparison.Ordinal);
        Assert.Equal(0, zone.MetadataRequestCount);

        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await validator.ValidateAsync(zone.MintForgedSubjectToken("alice"), Ct));
        Assert.Equal(1, zone.MetadataRequestCount);
    }

    [Theory]
    [InlineData("00:00:00", "00:00:30", "Keycard:JwksRefreshInterval must be positive")]
    [InlineData("00:10:00", "-00:00:01", "Keycard:JwksMinimumRefreshInterval must be positive")]
    [InlineData("00:01:00", "00:02:00", "Keycard:JwksMinimumRefreshInterval (00:02:00) must not exceed Keycard:JwksRefreshInterval (00:01:00)")]
    public async Task Bad_JWKS_refresh_intervals_fail_start_naming_the_key(string refresh, string minimum, string expected)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keycard:ZoneUrl"] = "https://zone.keycard.cloud",
            ["Keycard:ClientId"] = "app",
            ["Keycard:ClientSecret"] = "s",
            ["Keycard:JwksRefreshInterval"] = refresh,
            ["Keycard:JwksMinimumRefreshInterval"] = minimum,
        });
        builder.Services.AddKeycard(builder.Configuration.GetSection(KeycardOptions.SectionName));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_JWKS_refresh_defaults_are_ten_minutes_and_thirty_seconds()
    {
        var options = new KeycardOptions();
        Assert.Equal(TimeSpan.FromMinutes(10), options.JwksRefreshInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.JwksMinimumRefreshInterval);
    }

    private sealed class RefreshCounter : IDisposable
    {
        private readonly MetricCollector<long> _collector;

        public RefreshCounter(TestApp app) =>
            _collector = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), KeycardDiagnostics.Name, KeycardDiagnostics.JwksRefreshes);

        public int Count(string reason, string outcome) =>
            (int)_collector.GetMeasurementSnapshot()
                .Where(m => Equals(m.Tags["reason"], reason) && Equals(m.Tags["outcome"], outcome))
                .Sum(m => m.Value);

        public void Dispose() => _collector.Dispose();
    }
}
