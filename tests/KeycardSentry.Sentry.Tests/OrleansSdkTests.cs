using KeycardSentry.Sentry.Tests.Infrastructure;
using KeycardSentry.Testing;

namespace KeycardSentry.Sentry.Tests;

/// <summary>
/// The generated Sentry SDK in apps that are Orleans clients: the same clients and handler, with tokens from the
/// cluster's user grains (<c>AddKeycardOrleansTokenCache</c>) instead of an in-process cache.
/// </summary>
public sealed class OrleansSdkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoHundredConcurrentCallsForOneUser_OneExchangeAtTheZone()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var app = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        var alice = stand.Zone.MintSubjectToken("alice");
        var api = app.Organizations;

        // Hold the zone so that the first exchange is still in flight while the other calls arrive.
        var gate = stand.Zone.HoldTokenRequests();
        var calls = Enumerable.Range(0, 200).Select(async _ =>
        {
            using (KeycardSubject.Use(alice))
            {
                await Task.Yield();
                return await api.GetOrganizationAsync("acme", cancellationToken: Ct);
            }
        }).ToList();
        await gate.WhenArrivedAsync(1, Ct);
        stand.Zone.StopHolding();
        var organizations = await Task.WhenAll(calls);

        Assert.All(organizations, o => Assert.Equal("acme", o.Slug));
        Assert.Equal(1, stand.Zone.ExchangeCount("alice"));
        Assert.Equal(1, stand.Zone.TotalExchanges);
        Assert.Equal(200, stand.Sentry.RequestCount);
        Assert.All(stand.Sentry.Requests, r => Assert.Equal("alice", r.User));
        Assert.Single(stand.Sentry.Requests.Select(r => r.TokenFingerprint).Distinct());
    }

    [Fact]
    public async Task AppInstancesShareTokens_EachUserExchangesOnceAcrossInstances()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var first = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        await using var second = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        var users = Enumerable.Range(0, 10).Select(i => "user" + i).ToArray();
        var subjects = users.ToDictionary(u => u, u => stand.Zone.MintSubjectToken(u));

        foreach (var app in new[] { first, second, first })
        {
            await Task.WhenAll(users.Select(async user =>
            {
                using (KeycardSubject.Use(subjects[user]))
                {
                    await Task.Yield();
                    await app.Organizations.GetOrganizationAsync("acme", detailed: user, cancellationToken: Ct);
                }
            }));
        }

        Assert.All(users, u => Assert.Equal(1, stand.Zone.ExchangeCount(u)));
        Assert.Equal(30, stand.Sentry.RequestCount);
        Assert.All(stand.Sentry.Requests, r => Assert.Equal("?detailed=" + r.User, r.Query));
    }

    [Fact]
    public async Task Paginated_AndScopeChecks_WorkUnchangedWithGrainTokens()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var app = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));

        var slugs = new List<string?>();
        await foreach (var project in app.Organizations.EnumerateOrganizationProjectsAsync("acme", cancellationToken: Ct))
        {
            slugs.Add(project.Slug);
        }

        var ex = await Assert.ThrowsAsync<SentryScopeException>(() =>
            app.Organizations.UpdateOrganizationAsync("acme", new() { Name = "x" }, Ct));

        Assert.Equal(["backend", "frontend", "mobile"], slugs);
        Assert.True(ex.RefusedBeforeSending);
        Assert.Empty(stand.RequestsTo("PUT", "/organizations/acme/"));
        Assert.Equal(1, stand.Zone.TotalExchanges);
    }

    [Fact]
    public async Task Sentry401_InvalidatesTheGrainsToken_AndEveryInstanceGetsTheNewOne()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var first = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        await using var second = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        await first.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);

        Assert.Equal(1, stand.Zone.RevokeAccessTokensOf("alice"));
        await first.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        await second.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);

        Assert.Equal(2, stand.Zone.ExchangeCount("alice"));
        var requests = stand.Sentry.Requests;
        Assert.Equal(4, requests.Count);
        Assert.Null(requests[1].User);
        Assert.Equal(requests[2].TokenFingerprint, requests[3].TokenFingerprint);
        Assert.Equal("alice", requests[3].User);
    }

    [Fact]
    public async Task FiftyConcurrentCallsSeeing401AcrossInstances_CostOneReExchange()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var first = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        await using var second = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        var alice = stand.Zone.MintSubjectToken("alice");
        using (KeycardSubject.Use(alice))
        {
            await first.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        }

        Assert.Equal(1, stand.Zone.RevokeAccessTokensOf("alice"));
        var calls = Enumerable.Range(0, 50).Select(async i =>
        {
            using (KeycardSubject.Use(alice))
            {
                await Task.Yield();
                return await (i % 2 == 0 ? first : second).Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
            }
        });
        var organizations = await Task.WhenAll(calls);

        Assert.All(organizations, o => Assert.Equal("acme", o.Slug));
        Assert.Equal(2, stand.Zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task Sentry403_BecomesSentryScopeException_WithGrainTokens()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var app = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        stand.Sentry.EnqueueFault(SentryFault.Forbidden());

        var ex = await Assert.ThrowsAsync<SentryScopeException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Equal(LocalSentryApi.ForbiddenDetail, ex.Detail);
    }

    [Fact]
    public async Task ForgedSubjectToken_IsRejectedByTheGrain_WithoutExchangeOrRequest()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var cluster = await TokenGrainCluster.StartAsync(stand.Zone);
        await using var app = await SentryApp.StartOrleansClientAsync(stand, cluster.Client);
        using (KeycardSubject.Use(stand.Zone.MintSubjectToken("alice")))
        {
            await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        }

        using var forged = KeycardSubject.Use(stand.Zone.MintForgedSubjectToken("alice"));
        await Assert.ThrowsAsync<KeycardSubjectException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.Equal(1, stand.Zone.TotalExchanges);
        Assert.Equal(1, stand.Sentry.RequestCount);
    }
}
