using KeycardSentry.Internal;
using System.Net;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class HandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refit_puts_the_interface_type_and_method_name_in_request_options()
    {
        var seen = new List<KeyValuePair<string, object?>>();
        var services = new ServiceCollection();
        services.AddRefitGeneratedClient<ITestSentryApi>()
            .ConfigureHttpClient(c => c.BaseAddress = new Uri("http://127.0.0.1:9"))
            .ConfigurePrimaryHttpMessageHandler(() => new CapturingHandler(seen));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<ITestSentryApi>().GetOrganizationAsync("acme", Ct);

        var options = seen.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(typeof(ITestSentryApi), options[KeycardTokenHandler.RefitInterfaceTypeKey]);
        Assert.Equal(nameof(ITestSentryApi.GetOrganizationAsync), options[KeycardTokenHandler.RefitMethodNameKey]);
        TestContext.Current.TestOutputHelper?.WriteLine("Refit request options: " + string.Join(", ", seen.Select(kv => $"{kv.Key}={kv.Value?.GetType().Name}:{kv.Value}")));
    }

    [Fact]
    public async Task A_call_without_a_subject_token_names_KeycardSubject_Use()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => app.Api.ListOrganizationsAsync(Ct));

        Assert.Contains("KeycardSubject.Use(", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, sentry.RequestCount);
    }

    [Fact]
    public async Task A_custom_subject_accessor_replaces_the_ambient_one()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        var token = zone.MintSubjectToken("carol");
        await using var app = await TestApp.StartAsync(zone, sentry, services: s => s.AddSingleton<ISubjectTokenAccessor>(new FixedAccessor(token)));

        var orgs = await app.Api.ListOrganizationsAsync(Ct);

        Assert.Equal("carol", Assert.Single(orgs).User);
    }

    [Fact]
    public async Task A_call_needing_scopes_the_token_lacks_fails_before_any_request_is_sent()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry);

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var ex = await Assert.ThrowsAsync<KeycardScopeException>(() => app.Api.ListMembersAsync("acme", Ct));

            Assert.True(ex.RefusedBeforeSending);
            Assert.Null(ex.StatusCode);
            Assert.Equal(["member:read", "member:write", "member:admin"], ex.RequiredScopes);
            Assert.Equal(["event:read", "org:read", "project:read"], ex.GrantedScopes);
            Assert.Equal("ITestSentryApi.ListMembersAsync", ex.Method);
            Assert.Contains("member:read", ex.Message, StringComparison.Ordinal);
            Assert.Contains("No request was sent", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, sentry.RequestCount);
    }

    [Fact]
    public async Task Implied_scopes_satisfy_the_check_org_write_allows_an_org_read_method()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        zone.SetGrantedScopes("admin", "org:write", "member:admin");
        await using var app = await TestApp.StartAsync(zone, sentry);

        using (KeycardSubject.Use(zone.MintSubjectToken("admin")))
        {
            Assert.Equal("admin", (await app.Api.GetOrganizationAsync("acme", Ct)).User);
            Assert.Equal("admin", (await app.Api.ListMembersAsync("acme", Ct)).User);
        }

        Assert.Equal(2, sentry.RequestCount);
    }

    [Fact]
    public async Task A_401_invalidates_exchanges_once_and_retries_once_with_the_body()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        zone.SetGrantedScopes("alice", "org:read", "project:releases");
        await using var app = await TestApp.StartAsync(zone, sentry);
        var subject = zone.MintSubjectToken("alice");
        using var scope = KeycardSubject.Use(subject);
        await app.Api.GetOrganizationAsync("acme", Ct);
        Assert.Equal(1, zone.ExchangeCount("alice"));
        Assert.Equal(1, zone.RevokeAccessTokensOf("alice")); // Sentry now answers 401 "Invalid token" to the cached one

        var echo = await app.Api.CreateReleaseAsync("acme", new ReleaseDto("1.2.3", ["web"]), Ct);

        Assert.Equal(2, zone.ExchangeCount("alice"));
        var requests = sentry.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Null(requests[1].User); // the revoked token
        Assert.Equal("alice", requests[2].User);
        Assert.Equal(requests[1].Body, requests[2].Body);
        Assert.Equal("1.2.3", echo.Received.Version);
        Assert.Equal(["web"], echo.Received.Projects);
    }

    [Fact]
    public async Task A_second_401_throws_a_KeycardAuthorizationException_that_says_to_reconnect_in_Keycard()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry);
        sentry.FaultHook = _ => SentryFault.Unauthorized("Token expired");
        var subject = zone.MintSubjectToken("alice");

        KeycardAuthorizationException ex;
        using (KeycardSubject.Use(subject))
        {
            ex = await Assert.ThrowsAsync<KeycardAuthorizationException>(() => app.Api.GetOrganizationAsync("acme", Ct));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("Token expired", ex.Detail);
        Assert.Equal("ITestSentryApi.GetOrganizationAsync", ex.Method);
        Assert.Contains("invalid or expired", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Re-connect", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, sentry.RequestCount);
        Assert.Equal(2, zone.ExchangeCount("alice"));
        Assert.DoesNotContain(subject, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_403_throws_a_KeycardScopeException_with_required_granted_and_detail()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry);
        sentry.EnqueueFault(SentryFault.Forbidden());

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var plain = await Assert.ThrowsAsync<KeycardScopeException>(() => app.Api.GetOrganizationAsync("acme", Ct));
            Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
            Assert.Equal(LocalSentryApi.ForbiddenDetail, plain.Detail);
            Assert.Equal(["org:admin", "org:read", "org:write"], plain.RequiredScopes);
            Assert.Equal(["event:read", "org:read", "project:read"], plain.GrantedScopes);
            Assert.Contains("needs one of [org:admin org:read org:write]", plain.Message, StringComparison.Ordinal);
            Assert.Contains("the token has [event:read org:read project:read]", plain.Message, StringComparison.Ordinal);
            Assert.Contains(LocalSentryApi.ForbiddenDetail, plain.Message, StringComparison.Ordinal);
            Assert.Contains("org:read", plain.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, sentry.RequestCount);
        Assert.Equal(1, zone.TotalExchanges); // a 403 does not throw the token away
    }

    [Fact]
    public async Task A_429_with_Retry_After_seconds_is_retried_after_that_delay_on_the_injected_clock()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry, time: time);
        sentry.EnqueueFault(SentryFault.RateLimitedRetryAfter(TimeSpan.FromSeconds(17)));

        await AssertRetriedAfterAsync(zone, app, sentry, time, TimeSpan.FromSeconds(17));
    }

    [Fact]
    public async Task A_429_with_Retry_After_as_a_date_is_retried_at_that_date()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry, time: time);
        sentry.EnqueueFault(SentryFault.RateLimitedRetryAt(time.GetUtcNow() + TimeSpan.FromSeconds(31)));

        await AssertRetriedAfterAsync(zone, app, sentry, time, TimeSpan.FromSeconds(31));
    }

    [Fact]
    public async Task A_429_asking_for_longer_than_MaxRateLimitDelay_is_returned_not_retried()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry, api: o => o.MaxRateLimitDelay = TimeSpan.FromSeconds(30));
        sentry.EnqueueFault(SentryFault.RateLimitedRetryAfter(TimeSpan.FromMinutes(5)));

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var ex = await Assert.ThrowsAsync<ApiException>(() => app.Api.GetOrganizationAsync("acme", Ct));
            Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        }

        Assert.Equal(1, sentry.RequestCount);
    }

    [Fact]
    public async Task Retries_stop_after_MaxRateLimitRetries()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry, api: o => o.MaxRateLimitRetries = 2);
        sentry.FaultHook = _ => SentryFault.RateLimitedRetryAfter(TimeSpan.Zero);

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var ex = await Assert.ThrowsAsync<ApiException>(() => app.Api.GetOrganizationAsync("acme", Ct));
            Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        }

        Assert.Equal(3, sentry.RequestCount);
    }

    private static async Task AssertRetriedAfterAsync(LocalKeycardZone zone, TestApp app, LocalSentryApi sentry, ObservableTimeProvider time, TimeSpan delay)
    {
        Task<OrganizationDto> call;
        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            call = app.Api.GetOrganizationAsync("acme", Ct);
        }

        await time.WhenTimerStartedAsync(delay).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(1, sentry.RequestCount);
        Assert.False(call.IsCompleted);

        time.Advance(delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, sentry.RequestCount);
        time.Advance(TimeSpan.FromMilliseconds(1));

        var org = await call.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal("alice", org.User);
        Assert.Equal(2, sentry.RequestCount);
    }

    private sealed class FixedAccessor(string token) : ISubjectTokenAccessor
    {
        public string? GetSubjectToken() => token;
    }

    private sealed class CapturingHandler(List<KeyValuePair<string, object?>> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.AddRange(request.Options);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("{\"slug\":\"acme\",\"name\":\"Acme\",\"user\":\"x\"}", System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }
}
