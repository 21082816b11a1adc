using System.Net;
using KeycardSentry.Testing.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Testing.Tests;

/// <summary>Only tokens the local zone issued for Sentry's resource pass; everything else gets Sentry's 401.</summary>
public sealed class AuthenticationTests
{
    private const string OrganizationPath = "/api/0/organizations/acme/";

    [Fact]
    public async Task A_token_the_zone_issued_for_Sentry_passes_and_is_recorded_with_its_user_and_scopes()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        using var response = await stand.SendAsync("GET", OrganizationPath, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = Assert.Single(stand.Sentry.Requests);
        Assert.Equal(("GET", OrganizationPath, "alice"), (record.Method, record.Path, record.User));
        Assert.Equal(["org:read"], record.Scopes!);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)), 0, 8), record.TokenFingerprint);
        Assert.DoesNotContain(token, record.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_foreign_token_gets_401_Invalid_token()
    {
        await using var stand = await Stand.StartAsync();
        await using var otherZone = await Stand.StartAsync();
        var fromOtherZone = await otherZone.TokenAsync("alice", "org:read");

        await AssertUnauthorizedAsync(stand, fromOtherZone, LocalSentryApi.InvalidTokenDetail);
        await AssertUnauthorizedAsync(stand, "sntrys_not-a-token-anyone-issued", LocalSentryApi.InvalidTokenDetail);
        Assert.All(stand.Sentry.Requests, r => Assert.Null(r.User));
    }

    [Fact]
    public async Task A_revoked_token_gets_401_Invalid_token()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");
        Assert.True(stand.Zone.RevokeAccessToken(token));

        await AssertUnauthorizedAsync(stand, token, LocalSentryApi.InvalidTokenDetail);
    }

    [Fact]
    public async Task A_token_rejected_on_the_stand_in_gets_401_Invalid_token()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");
        stand.Sentry.RejectToken(token);

        await AssertUnauthorizedAsync(stand, token, LocalSentryApi.InvalidTokenDetail);
    }

    [Fact]
    public async Task A_token_issued_for_another_resource_gets_401_Invalid_token()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenForResourceAsync("alice", "https://api.example.com/v1", "org:read");

        await AssertUnauthorizedAsync(stand, token, LocalSentryApi.InvalidTokenDetail);
        Assert.Null(Assert.Single(stand.Sentry.Requests).User);
    }

    [Fact]
    public async Task An_expired_token_gets_401_Token_expired()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero));
        await using var stand = await Stand.StartAsync(zoneOptions: new LocalKeycardZoneOptions { TimeProvider = time });
        var token = await stand.TokenAsync("alice", "org:read");
        using (var fresh = await stand.SendAsync("GET", OrganizationPath, token))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        time.Advance(TimeSpan.FromHours(1));

        await AssertUnauthorizedAsync(stand, token, LocalSentryApi.ExpiredTokenDetail);
    }

    [Theory]
    [InlineData(null, LocalSentryApi.NotAuthenticatedDetail)]
    [InlineData("Basic YWxpY2U6c2VjcmV0", LocalSentryApi.NotAuthenticatedDetail)]
    [InlineData("Bearer", "Invalid token header. No credentials provided.")]
    [InlineData("Bearer two words", "Invalid token header. Token string should not contain spaces.")]
    public async Task A_missing_or_malformed_Authorization_header_gets_401(string? authorization, string detail)
    {
        await using var stand = await Stand.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, stand.Sentry.BaseUrl + OrganizationPath.TrimStart('/'));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await stand.Http.SendAsync(request, Stand.Ct);

        await AssertUnauthorizedAsync(response, detail);
    }

    private static async Task AssertUnauthorizedAsync(Stand stand, string token, string detail)
    {
        using var response = await stand.SendAsync("GET", OrganizationPath, token);
        await AssertUnauthorizedAsync(response, detail);
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string detail)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("xBasic realm=\"api\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal($"{{\"detail\":\"{detail}\"}}", await response.Content.ReadAsStringAsync(Stand.Ct));
        Assert.True(response.Headers.Contains("X-Sentry-Rate-Limit-Limit"));
    }
}
