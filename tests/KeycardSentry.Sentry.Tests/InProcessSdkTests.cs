using System.Net;
using KeycardSentry.Sentry.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.Sentry.Tests;

/// <summary>The generated Sentry SDK with the in-process token cache, over real HTTP to the local zone and Sentry stand-in.</summary>
public sealed class InProcessSdkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true, "owner=true")]
    [InlineData(false, "owner=false")]
    public async Task ABooleanQueryParameter_IsWrittenAsJsonSpellsIt(bool owner, string expected)
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);

        using (KeycardSubject.Use(stand.Zone.MintSubjectToken("alice")))
        {
            await app.Services.GetRequiredService<ISentryUsersApi>().ListOrganizationsAsync(owner: owner, cancellationToken: Ct);
        }

        // Refit's default wrote .NET's True/False, which a parameter of schema type boolean rejects.
        Assert.Contains(expected, Assert.Single(stand.Sentry.Requests).Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrganization_DeserializesTheOrganization_AndSendsAlicesExchangedToken()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        var alice = stand.Zone.MintSubjectToken("alice");

        Models.Organization organization;
        using (KeycardSubject.Use(alice))
        {
            organization = await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        }

        Assert.Equal("acme", organization.Slug);
        // Fields the model does not declare land in its extension data: the stand-in echoes the token's owner.
        Assert.NotNull(organization.AdditionalProperties);
        Assert.Equal("alice", organization.AdditionalProperties["user"].GetString());

        var request = Assert.Single(stand.Sentry.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/api/0/organizations/acme/", request.Path);
        Assert.Equal("alice", request.User);
        Assert.Equal("alice", stand.OwnerOfFingerprint(request.TokenFingerprint));
        Assert.Equal(1, stand.Zone.ExchangeCount("alice"));

        // The exchange carried alice's subject token, for Sentry's resource, with the app's client credentials.
        var exchange = Assert.Single(stand.Zone.Requests);
        Assert.Equal(alice, exchange.Form["subject_token"]);
        Assert.Equal("https://sentry.io/api/0", exchange.Form["resource"]);
    }

    [Fact]
    public async Task RepeatedCalls_ReuseTheCachedToken()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));

        for (var i = 0; i < 5; i++)
        {
            await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        }

        Assert.Equal(1, stand.Zone.TotalExchanges);
        Assert.Equal(5, stand.Sentry.RequestCount);
        Assert.Single(stand.Sentry.Requests.Select(r => r.TokenFingerprint).Distinct());
    }

    [Fact]
    public async Task ConcurrentCallsForTwoUsers_EachRequestCarriesItsOwnUsersToken()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        var subjects = new Dictionary<string, string>
        {
            ["alice"] = stand.Zone.MintSubjectToken("alice"),
            ["bob"] = stand.Zone.MintSubjectToken("bob"),
        };

        // One client instance and one pooled handler serve both users; the user travels with each call.
        var api = app.Organizations;
        var calls = Enumerable.Range(0, 60).Select(async i =>
        {
            var user = i % 2 == 0 ? "alice" : "bob";
            using (KeycardSubject.Use(subjects[user]))
            {
                await Task.Yield();
                var organization = await api.GetOrganizationAsync("acme", detailed: user, cancellationToken: Ct);
                return (User: user, Echoed: organization.AdditionalProperties!["user"].GetString());
            }
        });
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal(r.User, r.Echoed));
        Assert.Equal(60, stand.Sentry.RequestCount);
        Assert.All(stand.Sentry.Requests, r => Assert.Equal("?detailed=" + r.User, r.Query));
        Assert.Equal(1, stand.Zone.ExchangeCount("alice"));
        Assert.Equal(1, stand.Zone.ExchangeCount("bob"));
    }

    [Fact]
    public async Task EnumerateOrganizationProjects_FollowsTheLinkHeaderOverTwoPages()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));

        var slugs = new List<string?>();
        await foreach (var project in app.Organizations.EnumerateOrganizationProjectsAsync("acme", cancellationToken: Ct))
        {
            slugs.Add(project.Slug);
        }

        Assert.Equal(["backend", "frontend", "mobile"], slugs);
        var pages = stand.RequestsTo("GET", "/organizations/acme/projects/");
        Assert.Equal(2, pages.Count);
        Assert.Equal(string.Empty, pages[0].Query);
        Assert.Equal("?cursor=0%3A2%3A0", pages[1].Query);
        Assert.All(pages, p => Assert.Equal("alice", p.User));
        Assert.Equal(1, stand.Zone.TotalExchanges);
    }

    [Fact]
    public async Task ListOrganizationProjects_ExposesTheNextCursor_AndStopsWhenTheLastPageSaysNoResults()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));

        using var first = await app.Organizations.ListOrganizationProjectsAsync("acme", cancellationToken: Ct);
        Assert.True(first.IsSuccessStatusCode);
        Assert.Equal(2, first.Content!.Count);
        Assert.Equal("0:2:0", LinkHeader.GetNextCursor(first.Headers));

        using var last = await app.Organizations.ListOrganizationProjectsAsync("acme", cursor: "0:2:0", cancellationToken: Ct);
        Assert.Equal("mobile", Assert.Single(last.Content!).Slug);
        Assert.Null(LinkHeader.GetNextCursor(last.Headers));
    }

    [Fact]
    public async Task OrgWriteCall_WithTheDefaultGrant_IsRefusedBeforeSending()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));

        var ex = await Assert.ThrowsAsync<SentryScopeException>(() =>
            app.Organizations.UpdateOrganizationAsync("acme", new() { Name = "Acme Inc" }, Ct));

        Assert.True(ex.RefusedBeforeSending);
        Assert.Null(ex.StatusCode);
        Assert.Equal(["org:admin", "org:write"], ex.RequiredScopes.Order(StringComparer.Ordinal));
        Assert.Equal(LocalKeycardZoneOptions.KeycardDefaultScopes.Order(StringComparer.Ordinal), ex.GrantedScopes.Order(StringComparer.Ordinal));
        Assert.Contains("UpdateOrganizationAsync", ex.Method, StringComparison.Ordinal);
        Assert.Equal(0, stand.Sentry.RequestCount);
        Assert.Equal(1, stand.Zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task OrgWriteCall_WithOrgAdminGranted_IsSent_BecauseOrgAdminImpliesOrgWrite()
    {
        await using var stand = await SentryStand.StartAsync();
        stand.Zone.SetGrantedScopes("carol", "org:read", "org:admin");
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("carol"));

        await app.Organizations.UpdateOrganizationAsync("acme", new() { Name = "Acme Inc" }, Ct);

        var request = Assert.Single(stand.RequestsTo("PUT", "/organizations/acme/"));
        Assert.Equal("carol", request.User);
        Assert.Contains("\"name\":\"Acme Inc\"", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sentry403_BecomesSentryScopeException_WithSentrysDetail()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        stand.Sentry.EnqueueFault(SentryFault.Forbidden());

        var ex = await Assert.ThrowsAsync<SentryScopeException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.False(ex.RefusedBeforeSending);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Equal(LocalSentryApi.ForbiddenDetail, ex.Detail);
        Assert.Contains("org:read", ex.RequiredScopes);
        Assert.Contains("org:read", ex.GrantedScopes);
        Assert.Contains(LocalSentryApi.ForbiddenDetail, ex.Message, StringComparison.Ordinal);
        Assert.Single(stand.Sentry.Requests);
    }

    [Fact]
    public async Task Sentry403WithNestedDetail_CarriesCodeAndMessage()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        stand.Sentry.EnqueueFault(SentryFault.ForbiddenNested("sso-required", "This organization requires SSO."));

        var ex = await Assert.ThrowsAsync<SentryScopeException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.Equal("sso-required: This organization requires SSO.", ex.Detail);
    }

    [Fact]
    public async Task Sentry401_ReExchangesOnce_AndRetriesWithTheNewToken()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);

        // Keycard's Sentry token was revoked behind the cache's back: Sentry answers 401 to it.
        Assert.Equal(1, stand.Zone.RevokeAccessTokensOf("alice"));
        var organization = await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);

        Assert.Equal("acme", organization.Slug);
        Assert.Equal(2, stand.Zone.ExchangeCount("alice"));
        var requests = stand.Sentry.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Null(requests[1].User); // the revoked token, refused
        Assert.Equal("alice", requests[2].User);
        Assert.NotEqual(requests[1].TokenFingerprint, requests[2].TokenFingerprint);

        // The new token is cached: no further exchange.
        await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        Assert.Equal(2, stand.Zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task FiftyConcurrentCallsSeeing401_CostOneReExchange()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        var alice = stand.Zone.MintSubjectToken("alice");
        using (KeycardSubject.Use(alice))
        {
            await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        }

        Assert.Equal(1, stand.Zone.RevokeAccessTokensOf("alice"));
        var calls = Enumerable.Range(0, 50).Select(async _ =>
        {
            using (KeycardSubject.Use(alice))
            {
                await Task.Yield();
                return await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
            }
        });
        var organizations = await Task.WhenAll(calls);

        // Every caller that saw the revoked token invalidates it by fingerprint; only the first drop counts.
        Assert.All(organizations, o => Assert.Equal("acme", o.Slug));
        Assert.Equal(2, stand.Zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task Sentry401Twice_ThrowsSentryAuthorizationException_AfterExactlyOneReExchange()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        stand.Sentry.EnqueueFault(SentryFault.Unauthorized());
        stand.Sentry.EnqueueFault(SentryFault.Unauthorized("Token expired"));

        var ex = await Assert.ThrowsAsync<SentryAuthorizationException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("Token expired", ex.Detail);
        Assert.Equal(2, stand.Zone.ExchangeCount("alice"));
        Assert.Equal(2, stand.Sentry.RequestCount);
        Assert.All(stand.Zone.AllIssuedTokens, t => Assert.DoesNotContain(t, ex.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sentry429WithRetryAfterZero_IsRetriedWithTheSameToken()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        stand.Sentry.EnqueueFault(SentryFault.RateLimitedRetryAfter(TimeSpan.Zero));

        var organization = await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);

        Assert.Equal("acme", organization.Slug);
        var requests = stand.Sentry.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].TokenFingerprint, requests[1].TokenFingerprint);
        Assert.Equal(1, stand.Zone.TotalExchanges);
    }

    [Fact]
    public async Task CallWithoutSubject_FailsBeforeAnyExchangeOrRequest()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.Contains("KeycardSubject.Use", ex.Message, StringComparison.Ordinal);
        Assert.Empty(stand.Zone.Requests);
        Assert.Equal(0, stand.Sentry.RequestCount);
    }

    [Fact]
    public async Task ForgedSubjectToken_IsRejectedBeforeAnyExchangeOrRequest()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        using var subject = KeycardSubject.Use(stand.Zone.MintForgedSubjectToken("alice"));

        await Assert.ThrowsAsync<KeycardSubjectException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.Equal(0, stand.Zone.TotalExchanges);
        Assert.Equal(0, stand.Sentry.RequestCount);
    }
}
