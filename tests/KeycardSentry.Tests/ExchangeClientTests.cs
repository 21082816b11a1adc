using System.Net;
using System.Text;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class ExchangeClientTests
{
    private const string Resource = "https://sentry.io/api/0";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Exchange_request_on_the_wire_has_exactly_the_expected_fields_and_an_encoded_basic_header()
    {
        const string clientId = "id:with/+chars";
        const string clientSecret = "s3cr=t&% x";
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { ClientId = clientId, ClientSecret = clientSecret });
        await using var app = await TestApp.StartAsync(zone);
        var subject = zone.MintSubjectToken("alice");

        var response = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(subject, Resource, ["org:read", "event:read"]), Ct);

        var request = Assert.Single(zone.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/oauth/2/token", request.Path);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("application/json", request.Accept);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange",
                ["subject_token"] = subject,
                ["subject_token_type"] = "urn:ietf:params:oauth:token-type:access_token",
                ["resource"] = Resource,
                ["scope"] = "event:read org:read",
            },
            request.Form);

        // RFC 6749 §2.3.1: form-url-encode id and secret, then base64 of "id:secret".
        var basic = Encoding.UTF8.GetString(Convert.FromBase64String(request.Authorization!["Basic ".Length..]));
        Assert.Equal("id%3Awith%2F%2Bchars:s3cr%3Dt%26%25+x", basic);
        Assert.Equal(LocalKeycardZone.BasicAuthorization(clientId, clientSecret), request.Authorization);

        Assert.Equal(["event:read", "org:read"], response.Token.Scopes.Order());
        Assert.Equal("Bearer", response.Token.TokenType);
        Assert.Equal("urn:ietf:params:oauth:token-type:access_token", response.Token.IssuedTokenType);
        Assert.True(zone.TryResolveAccessToken(response.Token.AccessToken, out var issued));
        Assert.Equal("alice", issued.User);
    }

    [Fact]
    public async Task Scope_is_omitted_when_none_requested_and_response_scope_is_parsed()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);

        var response = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);

        Assert.DoesNotContain("scope", zone.Requests.Single().Form.Keys);
        Assert.Equal(4, zone.Requests.Single().Form.Count);
        Assert.Equal(["event:read", "org:read", "project:read"], response.Token.Scopes.Order());
    }

    [Fact]
    public async Task Missing_expires_in_uses_the_default_lifetime_and_missing_scope_uses_the_requested_scopes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero));
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = null, IncludeScopeInResponse = false });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.DefaultTokenLifetime = TimeSpan.FromMinutes(42), time: time);

        var response = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource, ["org:read"]), Ct);

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMinutes(42), response.Token.ExpiresAt);
        Assert.Equal(["org:read"], response.Token.Scopes);
    }

    [Fact]
    public async Task Default_lifetime_without_expires_in_is_3600_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(3600), new KeycardOptions().DefaultTokenLifetime);
        var time = new FakeTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = null });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var response = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);
        Assert.Equal(time.GetUtcNow().AddSeconds(3600), response.Token.ExpiresAt);
    }

    public static TheoryData<string, int> OAuthErrors => new()
    {
        { "invalid_request", 400 },
        { "invalid_client", 401 },
        { "invalid_grant", 400 },
        { "unauthorized_client", 400 },
        { "unsupported_grant_type", 400 },
        { "invalid_scope", 400 },
        { "invalid_target", 400 },
    };

    [Theory]
    [MemberData(nameof(OAuthErrors))]
    public async Task Every_RFC_error_code_keeps_status_error_description_and_uri_and_is_not_retryable(string error, int status)
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        zone.EnqueueFault(FaultResponse.OAuthError(error, "described " + error, "https://docs.example/" + error, status));
        var subject = zone.MintSubjectToken("alice");

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(subject, Resource), Ct));

        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Equal(error, ex.Error);
        Assert.Equal("described " + error, ex.ErrorDescription);
        Assert.Equal("https://docs.example/" + error, ex.ErrorUri);
        Assert.False(ex.IsRetryable);
        Assert.Contains(error, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(subject, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(zone.ClientSecret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_invalid_client_from_the_zone_says_which_settings_to_check()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.ClientSecret = "wrong-secret-value");

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("invalid_client", ex.Error);
        Assert.Contains("Keycard:ClientId", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard:ClientSecret", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_invalid_scope_and_invalid_target_come_from_the_zone()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var subject = zone.MintSubjectToken("alice");

        var scope = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(subject, Resource, ["org:admin"]), Ct));
        Assert.Equal("invalid_scope", scope.Error);
        var target = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(subject, "https://sentry.io/api/0#frag"), Ct));
        Assert.Equal("invalid_target", target.Error);
        var relative = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(subject, "api/0"), Ct));
        Assert.Equal("invalid_target", relative.Error);
    }

    [Fact]
    public async Task A_502_with_an_HTML_body_is_retryable_and_keeps_the_status()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        zone.EnqueueFault(FaultResponse.Html(502));

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.True(ex.IsRetryable);
        Assert.Equal("server_error", ex.Error);
    }

    [Fact]
    public async Task A_429_is_retryable()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        zone.EnqueueFault(new FaultResponse(429, "{\"error\":\"slow_down\"}"));

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.True(ex.IsRetryable);
    }

    [Theory]
    [InlineData("{\"error\":\"invalid_grant\",\"error_description\":\"nope\"}")]
    [InlineData("{\"token_type\":\"Bearer\",\"expires_in\":3600}")]
    [InlineData("<html>login</html>")]
    [InlineData("[\"access_token\"]")]
    [InlineData("{\"access_token\":\"x\",\"expires_in\":\"soon\"}")]
    public async Task A_200_that_is_not_a_token_response_is_invalid_response(string body)
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        zone.EnqueueFault(body.StartsWith('<') ? new FaultResponse(200, body, "text/html") : FaultResponse.Ok(body));

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal("invalid_response", ex.Error);
        Assert.Equal(HttpStatusCode.OK, ex.StatusCode);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public async Task A_zone_that_never_answers_times_out_as_a_retryable_timeout_on_the_injected_clock()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.ExchangeTimeout = TimeSpan.FromSeconds(7), time: time);
        var subject = zone.MintSubjectToken("alice");
        await app.Validator.ValidateAsync(subject, Ct); // discovery done, so the only 7 s timer is the exchange's
        var gate = zone.HoldTokenRequests();

        var exchange = app.Exchange.ExchangeAsync(new KeycardTokenRequest(subject, Resource), Ct);
        await gate.WhenArrivedAsync(1, Ct);
        await time.WhenTimerStartedAsync(TimeSpan.FromSeconds(7));
        Assert.False(exchange.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(7));

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => exchange);
        Assert.Equal("timeout", ex.Error);
        Assert.True(ex.IsRetryable);
        Assert.Null(ex.StatusCode);
        Assert.Contains("Keycard:ExchangeTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caller_cancellation_is_an_OperationCanceledException_not_an_exchange_error()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var subject = zone.MintSubjectToken("alice");
        await app.Validator.ValidateAsync(subject, Ct);
        var gate = zone.HoldTokenRequests();
        using var cts = new CancellationTokenSource();

        var exchange = app.Exchange.ExchangeAsync(new KeycardTokenRequest(subject, Resource), cts.Token);
        await gate.WhenArrivedAsync(1, Ct);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exchange);
    }

    [Fact]
    public async Task Refresh_sends_grant_type_refresh_token_with_the_client_credentials()
    {
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { IssueRefreshTokens = true });
        await using var app = await TestApp.StartAsync(zone);
        var first = await app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);
        Assert.NotNull(first.RefreshToken);
        Assert.DoesNotContain(first.RefreshToken!, first.ToString(), StringComparison.Ordinal);

        var refreshed = await app.Exchange.RefreshAsync(first.RefreshToken!, Resource, [], Ct);

        var request = zone.Requests[^1];
        Assert.Equal(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = first.RefreshToken! }, request.Form);
        Assert.Equal(LocalKeycardZone.BasicAuthorization(zone.ClientId, zone.ClientSecret), request.Authorization);
        Assert.NotEqual(first.Token.AccessToken, refreshed.Token.AccessToken);
        Assert.True(zone.TryResolveAccessToken(refreshed.Token.AccessToken, out var info));
        Assert.Equal("alice", info.User);
        Assert.Equal(1, zone.TotalRefreshes);
    }
}
