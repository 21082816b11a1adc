using KeycardSentry.Sentry.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Sentry.Tests;

/// <summary>
/// Issue 7, item 9: when Sentry keeps answering 401 for one user, the handler exchanges once more, then remembers the
/// subject token for <c>SentryApi:UnauthorizedCooldown</c> (30 s) and fails at once: no exchange, no request, for
/// that user only. Through the generated SDK, the local zone and the Sentry stand-in, on a fake clock.
/// </summary>
public sealed class SentryUnauthorizedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FiftyCallsForAUserSentryKeepsRefusing_TwoExchanges_FortyNineFailFast_AndAnotherUserIsUnaffected()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        await using var stand = await SentryStand.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await SentryApp.StartInProcessAsync(stand, time);
        stand.Sentry.FaultHook = request => request.User == "alice" ? SentryFault.Unauthorized() : null;
        var alice = stand.Zone.MintSubjectToken("alice", TimeSpan.FromHours(2));
        var bob = stand.Zone.MintSubjectToken("bob", TimeSpan.FromHours(2));

        var failures = new List<SentryAuthorizationException>();
        for (var call = 0; call < 50; call++)
        {
            using (KeycardSubject.Use(alice))
            {
                failures.Add(await Assert.ThrowsAsync<SentryAuthorizationException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct)));
            }

            if (call % 10 == 0)
            {
                using (KeycardSubject.Use(bob))
                {
                    Assert.Equal("bob", (await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct)).AdditionalProperties!["user"].GetString());
                }
            }
        }

        Assert.Equal(2, stand.Zone.ExchangeCount("alice")); // the original token and one re-exchange
        Assert.Equal(2, stand.Sentry.Requests.Count(r => r.User == "alice"));
        Assert.Equal(LocalSentryApi.InvalidTokenDetail, failures[0].Detail);
        Assert.All(failures.Skip(1), f => Assert.Contains("remembered", f.Detail, StringComparison.Ordinal));
        Assert.Equal(1, stand.Zone.ExchangeCount("bob"));
        Assert.Equal(5, stand.Sentry.Requests.Count(r => r.User == "bob"));

        // Still within the cooldown: nothing; after it, one new attempt (the cached token, then one re-exchange).
        time.Advance(TimeSpan.FromSeconds(29));
        using (KeycardSubject.Use(alice))
        {
            await Assert.ThrowsAsync<SentryAuthorizationException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));
            Assert.Equal(2, stand.Zone.ExchangeCount("alice"));
            time.Advance(TimeSpan.FromSeconds(1));
            var again = await Assert.ThrowsAsync<SentryAuthorizationException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));
            Assert.Equal(LocalSentryApi.InvalidTokenDetail, again.Detail);
        }

        Assert.Equal(3, stand.Zone.ExchangeCount("alice"));
        Assert.Equal(4, stand.Sentry.Requests.Count(r => r.User == "alice"));
    }
}
