using KeycardSentry.Internal;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class DiscoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_issuer_mismatch_is_rejected_and_no_token_request_is_sent()
    {
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { MetadataIssuerOverride = "https://evil.example" });
        await using var app = await TestApp.StartAsync(zone);

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() =>
            app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), TestApp.Resource), Ct));

        Assert.Equal("discovery_failed", ex.Error);
        Assert.Contains("https://evil.example", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard:ZoneUrl", ex.Message, StringComparison.Ordinal);
        Assert.Empty(zone.Requests);
    }

    [Fact]
    public async Task A_failed_discovery_is_remembered_only_for_a_short_back_off_then_retried()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { MetadataFailures = 1 });
        using var host = TestApp.Build(zone, time: time); // not started: no start-up fetch, the calls below are the first
        var exchange = host.Services.GetRequiredService<IKeycardExchangeClient>();
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), TestApp.Resource);

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => exchange.ExchangeAsync(request, Ct));
        Assert.Equal("discovery_failed", ex.Error);
        Assert.Contains(zone.Issuer + "/.well-known/oauth-authorization-server", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard:ZoneUrl", ex.Message, StringComparison.Ordinal);
        Assert.Empty(zone.Requests);
        var metadataRequestsAfterFailure = zone.MetadataRequestCount;

        // At once: answered from memory, the zone is not asked again (a zone that is down is not hammered per call).
        var again = await Assert.ThrowsAsync<KeycardExchangeException>(() => exchange.ExchangeAsync(request, Ct));
        Assert.Equal("discovery_failed", again.Error);
        Assert.Equal(metadataRequestsAfterFailure, zone.MetadataRequestCount);

        // After the back-off (Keycard:FailureBackoff, 1 s) it is read again, and the failure was never cached.
        time.Advance(TimeSpan.FromSeconds(1));
        var response = await exchange.ExchangeAsync(request, Ct);

        Assert.True(zone.MetadataRequestCount > metadataRequestsAfterFailure);
        Assert.True(zone.TryResolveAccessToken(response.Token.AccessToken, out _));
        Assert.Equal(1, zone.TotalExchanges);
    }

    [Fact]
    public async Task A_zone_that_is_not_there_fails_loudly_and_never_guesses_a_token_endpoint()
    {
        LocalKeycardZone zone = await LocalKeycardZone.StartAsync();
        var issuer = zone.Issuer;
        var subject = zone.MintSubjectToken("alice");
        await zone.DisposeAsync();
        await using var other = await LocalKeycardZone.StartAsync();
        var builder = TestApp.Build(other, keycard: o => o.ZoneUrl = issuer);
        await builder.StartAsync(Ct);
        try
        {
            var exchange = (IKeycardExchangeClient)builder.Services.GetService(typeof(IKeycardExchangeClient))!;
            var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => exchange.ExchangeAsync(new KeycardTokenRequest(subject, TestApp.Resource), Ct));
            Assert.Equal("discovery_failed", ex.Error);
            Assert.True(ex.IsRetryable);
            Assert.Contains(issuer, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await builder.StopAsync(Ct);
            builder.Dispose();
        }
    }
}
