using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using KeycardSentry.Testing;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>The stand-ins themselves behave like Keycard and Sentry (raw HTTP, no runtime code involved).</summary>
public sealed class LocalZoneTests
{
    [Fact]
    public async Task Zone_serves_metadata_and_exchanges_a_minted_subject_token()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await LocalSentryApi.StartAsync(zone);
        using var http = new HttpClient();

        var metadata = JsonDocument.Parse(await http.GetStringAsync(zone.Issuer + "/.well-known/oauth-authorization-server", TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(zone.Issuer, metadata.GetProperty("issuer").GetString());
        Assert.Equal(zone.Issuer + "/oauth/2/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.False(zone.Issuer.EndsWith('/'));

        using var request = new HttpRequestMessage(HttpMethod.Post, zone.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = LocalKeycardZone.TokenExchangeGrantType,
                ["subject_token"] = zone.MintSubjectToken("alice"),
                ["subject_token_type"] = LocalKeycardZone.AccessTokenType,
                ["resource"] = "https://sentry.io/api/0",
            }),
        };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(LocalKeycardZone.BasicAuthorization(zone.ClientId, zone.ClientSecret));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var accessToken = body.GetProperty("access_token").GetString()!;
        Assert.Equal("event:read project:read org:read", body.GetProperty("scope").GetString());
        Assert.True(zone.TryResolveAccessToken(accessToken, out var info));
        Assert.Equal("alice", info.User);
        Assert.Equal(1, zone.ExchangeCount("alice"));

        using var call = new HttpRequestMessage(HttpMethod.Get, sentry.BaseUrl + "api/0/organizations/acme/");
        call.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var sentryResponse = await http.SendAsync(call, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, sentryResponse.StatusCode);
        Assert.Equal("alice", sentry.Requests.Single().User);
    }

    [Fact]
    public async Task Zone_rejects_forged_subject_and_wrong_secret_and_sentry_rejects_unknown_token()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await LocalSentryApi.StartAsync(zone);
        using var http = new HttpClient();

        async Task<(HttpStatusCode, string?)> ExchangeAsync(string subject, string secret)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, zone.TokenEndpoint)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = LocalKeycardZone.TokenExchangeGrantType,
                    ["subject_token"] = subject,
                    ["subject_token_type"] = LocalKeycardZone.AccessTokenType,
                    ["resource"] = "https://sentry.io/api/0",
                }),
            };
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(LocalKeycardZone.BasicAuthorization(zone.ClientId, secret));
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
            return (response.StatusCode, json.TryGetProperty("error", out var e) ? e.GetString() : null);
        }

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), await ExchangeAsync(zone.MintForgedSubjectToken("alice"), zone.ClientSecret));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), await ExchangeAsync(zone.MintSubjectToken("alice"), "wrong"));
        Assert.Equal((HttpStatusCode.OK, null), await ExchangeAsync(zone.MintOpaqueSubjectToken("bob"), zone.ClientSecret));

        using var call = new HttpRequestMessage(HttpMethod.Get, sentry.BaseUrl + "api/0/organizations/");
        call.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "nope");
        using var sentryResponse = await http.SendAsync(call, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, sentryResponse.StatusCode);
        Assert.Equal("xBasic realm=\"api\"", sentryResponse.Headers.WwwAuthenticate.ToString());
        Assert.Contains("Invalid token", await sentryResponse.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
