using System.Net;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Refit;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>
/// Issue 7, item 11d: a failed call's <see cref="ApiException"/> (through a Refit-generated client) carries the request
/// message, and that message holds no bearer token: the handler takes <c>Authorization</c> off every request it sent,
/// the retry after a 401 included.
/// </summary>
public sealed class HardeningHandlerTests
{
    private static readonly SentryFault NotFound = new(404, "{\"detail\":\"" + LocalSentryApi.NotFoundDetail + "\"}", new Dictionary<string, string>());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_404_ApiException_carries_the_request_without_its_Authorization_header()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry);
        sentry.EnqueueFault(NotFound);

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var ex = await Assert.ThrowsAsync<ApiException>(() => app.Api.GetOrganizationAsync("acme", Ct));
            Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
            AssertCarriesNoToken(ex, zone);
        }

        Assert.NotNull(Assert.Single(sentry.Requests).TokenFingerprint); // it was sent with the token
    }

    [Fact]
    public async Task After_the_401_retry_the_ApiException_carries_no_Authorization_header_either()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry);
        using var subject = KeycardSubject.Use(zone.MintSubjectToken("alice"));
        await app.Api.GetOrganizationAsync("acme", Ct);
        Assert.Equal(1, zone.RevokeAccessTokensOf("alice")); // the cached token now gets 401, the fresh one a 404
        sentry.EnqueueFault(NotFound);

        var ex = await Assert.ThrowsAsync<ApiException>(() => app.Api.GetOrganizationAsync("acme", Ct));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        AssertCarriesNoToken(ex, zone);
        Assert.Equal(3, sentry.RequestCount);
        Assert.Equal(2, zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task A_429_returned_after_the_retries_carries_no_Authorization_header()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry, api: o => o.MaxRateLimitRetries = 0);
        sentry.EnqueueFault(SentryFault.RateLimitedRetryAfter(TimeSpan.FromSeconds(5)));

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var ex = await Assert.ThrowsAsync<ApiException>(() => app.Api.GetOrganizationAsync("acme", Ct));
            Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
            AssertCarriesNoToken(ex, zone);
        }
    }

    private static void AssertCarriesNoToken(ApiException ex, LocalKeycardZone zone)
    {
        Assert.NotNull(ex.RequestMessage);
        Assert.Null(ex.RequestMessage.Headers.Authorization);
        Assert.DoesNotContain(ex.RequestMessage.Headers, h => string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase));
        var printed = ex.RequestMessage.ToString() + ex;
        Assert.All(zone.AllIssuedTokens, token => Assert.DoesNotContain(token, printed, StringComparison.Ordinal));
    }
}
