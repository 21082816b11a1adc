using KeycardSentry.Sentry.Tests.Infrastructure;
using KeycardSentry.Testing;

namespace KeycardSentry.Sentry.Tests;

/// <summary>
/// 500 callers of one user hold the same cached token when Sentry stops accepting it: every one of them gets the 401
/// (the stand-in holds all 500 requests until the last has arrived, then answers), invalidates by fingerprint and
/// retries. One re-exchange in all: in one process, and across two Orleans client apps sharing the user's grain.
/// </summary>
public sealed class UnauthorizedStormTests
{
    private const int Callers = 500;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FiveHundredCallersSeeing401ForOneToken_OneReExchange_InProcess()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);

        await StormAsync(stand, [app]);
    }

    [Fact]
    public async Task FiveHundredCallersSeeing401ForOneToken_OneReExchange_AcrossTwoOrleansClientApps()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var first = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        await using var second = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);

        await StormAsync(stand, [first, second]);
    }

    private static async Task StormAsync(SentryStand stand, SentryApp[] apps)
    {
        var alice = stand.Zone.MintSubjectToken("alice");
        foreach (var app in apps)
        {
            using (KeycardSubject.Use(alice))
            {
                await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct); // every app holds the token now
            }
        }

        Assert.Equal(1, stand.Zone.ExchangeCount("alice"));
        var stale = Assert.Single(stand.Sentry.Requests.Select(r => r.TokenFingerprint).Distinct());
        var before = stand.Sentry.RequestCount;

        // Sentry stops accepting the token; its answers wait until all 500 requests carrying it have arrived.
        Assert.Equal(1, stand.Zone.RevokeAccessTokensOf("alice"));
        var gate = stand.Sentry.HoldRequests();
        var calls = Enumerable.Range(0, Callers).Select(async i =>
        {
            using (KeycardSubject.Use(alice))
            {
                await Task.Yield();
                return await apps[i % apps.Length].Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
            }
        }).ToList();
        await gate.WhenArrivedAsync(Callers, Ct);
        gate.Release();
        var organizations = await Task.WhenAll(calls);

        Assert.All(organizations, o => Assert.Equal("acme", o.Slug));
        var requests = stand.Sentry.Requests.Skip(before).ToList();
        var first = requests.Take(Callers).ToList();
        var retries = requests.Skip(Callers).ToList();
        Assert.All(first, r => Assert.Equal(stale, r.TokenFingerprint));   // all 500 saw the 401
        Assert.Equal(Callers, retries.Count);                               // each retried once
        var fresh = Assert.Single(retries.Select(r => r.TokenFingerprint).Distinct());
        Assert.NotEqual(stale, fresh);
        Assert.All(retries, r => Assert.Equal("alice", r.User));
        Assert.Equal(2, stand.Zone.ExchangeCount("alice"));                 // one re-exchange for the 500
    }
}
