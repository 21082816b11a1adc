using KeycardSentry.Internal;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Refit;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class OptionsAndLoggingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<OptionsValidationException> StartFailsAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddKeycard(builder.Configuration.GetSection(KeycardOptions.SectionName));
        using var host = builder.Build();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
    }

    [Fact]
    public async Task A_missing_client_secret_fails_start_naming_the_key()
    {
        var ex = await StartFailsAsync(new() { ["Keycard:ZoneUrl"] = "https://zone.keycard.cloud", ["Keycard:ClientId"] = "app" });

        Assert.Contains("Keycard:ClientSecret is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard__ClientSecret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_zone_url_fails_start_naming_the_key()
    {
        var ex = await StartFailsAsync(new() { ["Keycard:ClientId"] = "app", ["Keycard:ClientSecret"] = "s" });

        Assert.Contains("Keycard:ZoneUrl is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard__ZoneUrl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_zone_that_is_not_loopback_fails_start()
    {
        var ex = await StartFailsAsync(new() { ["Keycard:ZoneUrl"] = "http://zone.keycard.cloud", ["Keycard:ClientId"] = "app", ["Keycard:ClientSecret"] = "s" });

        Assert.Contains("Keycard:ZoneUrl must use https", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_binding_reads_every_option()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keycard:ZoneUrl"] = "http://127.0.0.1:5999",
            ["Keycard:ClientId"] = "app",
            ["Keycard:ClientSecret"] = "s",
            ["Keycard:ExchangeTimeout"] = "00:00:03",
            ["Keycard:DefaultTokenLifetime"] = "00:30:00",
            ["Keycard:ExpirySkew"] = "00:00:15",
            ["Keycard:CacheSizeLimit"] = "77",
            ["Keycard:ClockSkew"] = "00:00:05",
            ["Keycard:SubjectAudience"] = "my-app",
            ["Keycard:SubjectTokens"] = "JwtOrOpaque",
            ["Keycard:MaxSubjectTokenLength"] = "4096",
            ["Keycard:RefreshAhead"] = "00:05:00",
            ["Keycard:FailureBackoff"] = "00:00:02",
            ["Keycard:MaxFailureBackoff"] = "00:01:00",
        });
        builder.Services.AddKeycard();
        using var host = builder.Build();
        await host.StartAsync(Ct);

        var options = host.Services.GetRequiredService<IOptions<KeycardOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(3), options.ExchangeTimeout);
        Assert.Equal(TimeSpan.FromMinutes(30), options.DefaultTokenLifetime);
        Assert.Equal(TimeSpan.FromSeconds(15), options.ExpirySkew);
        Assert.Equal(77, options.CacheSizeLimit);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ClockSkew);
        Assert.Equal("my-app", options.SubjectAudience);
        Assert.Equal(SubjectTokenKinds.JwtOrOpaque, options.SubjectTokens);
        Assert.Equal(4096, options.MaxSubjectTokenLength);
        Assert.Equal(TimeSpan.FromMinutes(5), options.RefreshAhead);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FailureBackoff);
        Assert.Equal(TimeSpan.FromMinutes(1), options.MaxFailureBackoff);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Api_options_are_validated_at_start_naming_the_api_section()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        using var host = TestApp.Build(zone, api: o =>
        {
            o.BaseUrl = new Uri("http://api.example.test/");
            o.Resource = "https://sentry.io/api/0#x";
            o.Scopes = ["org:read", "org read"];
            o.MaxRateLimitRetries = -1;
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("TestApi:BaseUrl must be an absolute https URL", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TestApi:Resource", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TestApi:Scopes holds 'org read'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TestApi:MaxRateLimitRetries", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("org:read org:admin")]
    [InlineData("org:read,org:admin")]
    [InlineData(" org:read ,  org:admin ")]
    public async Task Api_scopes_bind_from_one_string_separated_by_spaces_or_commas(string value)
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TestApi:BaseUrl"] = "http://127.0.0.1:9/",
            ["TestApi:Resource"] = TestApp.Resource,
            ["TestApi:Scopes"] = value,
        });
        builder.Services.AddKeycardApi(TestApp.ApiName, TestScopeCatalog.Instance, each => each(builder.Services.AddRefitGeneratedClient<ITestSentryApi>()));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptionsMonitor<KeycardApiOptions>>().Get(TestApp.ApiName);

        Assert.Equal(["org:read", "org:admin"], options.Scopes);
    }

    [Fact]
    public async Task Api_scopes_in_a_form_that_is_no_scope_list_stop_the_host_at_start()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TestApi:BaseUrl"] = "http://127.0.0.1:9/",
            ["TestApi:Resource"] = TestApp.Resource,
            ["TestApi:Scopes"] = "[\"org:read\"]",
        });
        builder.Services.AddKeycardApi(TestApp.ApiName, TestScopeCatalog.Instance, each => each(builder.Services.AddRefitGeneratedClient<ITestSentryApi>()));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("TestApi:Scopes holds '[\"org:read\"]', which is not a scope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeycardOptions_ToString_redacts_the_secret()
    {
        var text = new KeycardOptions { ZoneUrl = "https://z.keycard.cloud", ClientId = "app", ClientSecret = "very-secret-value" }.ToString();

        Assert.DoesNotContain("very-secret-value", text, StringComparison.Ordinal);
        Assert.Contains("ClientSecret = ***", text, StringComparison.Ordinal);
        Assert.Contains("app", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_and_responses_never_print_tokens()
    {
        var request = new KeycardTokenRequest("subject-secret", "https://sentry.io/api/0", ["org:read"]);
        var response = new KeycardExchangeResponse(new KeycardToken("access-secret", "Bearer", DateTimeOffset.UnixEpoch, []), "refresh-secret");

        Assert.DoesNotContain("subject-secret", request.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("access-secret", response.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("refresh-secret", response.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_of_a_full_flow_never_contain_a_token_or_the_secret()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero));
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, IssueRefreshTokens = true, ClientSecret = "zone-client-secret-42", SubjectTokenLifetime = TimeSpan.FromHours(4) });
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry: sentry, keycard: o => o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque, time: time);
        var subject = zone.MintSubjectToken("alice");
        var opaque = zone.MintOpaqueSubjectToken("bob");
        var forged = zone.MintForgedSubjectToken("alice");

        using (KeycardSubject.Use(subject))
        {
            await app.Api.GetOrganizationAsync("acme", Ct);             // exchange
            await app.Api.ListOrganizationsAsync(Ct);                    // cache hit
            zone.RevokeAccessTokensOf("alice");
            await app.Api.GetOrganizationAsync("acme", Ct);             // 401, re-exchange, retry
            sentry.EnqueueFault(SentryFault.Forbidden());
            await Assert.ThrowsAsync<KeycardScopeException>(() => app.Api.GetOrganizationAsync("acme", Ct));
            await Assert.ThrowsAsync<KeycardScopeException>(() => app.Api.ListMembersAsync("acme", Ct));
            time.Advance(TimeSpan.FromHours(2));
            await app.Api.GetOrganizationAsync("acme", Ct);             // refresh
        }

        using (KeycardSubject.Use(opaque))
        {
            await app.Api.GetOrganizationAsync("acme", Ct);
        }

        using (KeycardSubject.Use(forged))
        {
            await Assert.ThrowsAsync<KeycardSubjectException>(() => app.Api.GetOrganizationAsync("acme", Ct));
        }

        zone.EnqueueFault(FaultResponse.OAuthError("invalid_client"));
        using (KeycardSubject.Use(zone.MintSubjectToken("carol")))
        {
            await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Api.GetOrganizationAsync("acme", Ct));
        }

        var basic = LocalKeycardZone.BasicAuthorization(zone.ClientId, zone.ClientSecret)["Basic ".Length..];
        var secrets = zone.AllIssuedTokens.Concat([subject, opaque, forged, zone.ClientSecret, basic]).ToList();
        Assert.True(zone.TotalRefreshes >= 1);
        Assert.True(secrets.Count >= 8);
        var records = app.Logs.GetSnapshot();
        Assert.NotEmpty(records);

        // Each send to the API is logged once (method, URL, status): the 401 and its retry are two lines.
        var sends = records.Where(r => r.Category is { } category && category.StartsWith("KeycardSentry.Http.", StringComparison.Ordinal) && r.Message.StartsWith("HTTP GET ", StringComparison.Ordinal)).Select(r => r.Message).ToList();
        Assert.Contains(sends, m => m.Contains("/api/0/organizations/acme/ answered 401 in ", StringComparison.Ordinal));
        Assert.Contains(sends, m => m.Contains("/api/0/organizations/acme/ answered 200 in ", StringComparison.Ordinal));
        Assert.Equal(sends.Count(m => m.EndsWith(" started.", StringComparison.Ordinal)), sends.Count(m => m.Contains(" answered ", StringComparison.Ordinal)));
        foreach (var record in records)
        {
            var text = record.Message + "\n" + record.Exception + "\n" + string.Join("\n", record.StructuredState?.Select(kv => kv.Key + "=" + kv.Value) ?? []);
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"A token or the secret leaked ({text}) into a log record of category {record.Category} (level {record.Level}, event {record.Id}).");
            }
        }
    }

    [Fact]
    public async Task Without_KeycardRefitSettings_Refit_wraps_the_runtime_exceptions()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKeycard(o =>
        {
            o.ZoneUrl = zone.Issuer;
            o.ClientId = zone.ClientId;
            o.ClientSecret = zone.ClientSecret;
            o.SubjectAudience = zone.SubjectAudience;
        });
        builder.Services.AddKeycardApi(TestApp.ApiName, TestScopeCatalog.Instance, each => each(builder.Services.AddRefitGeneratedClient<ITestSentryApi>()), o =>
        {
            o.BaseUrl = sentry.BaseUrl;
            o.Resource = TestApp.Resource;
        });
        using var host = builder.Build();
        await host.StartAsync(Ct);

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var ex = await Assert.ThrowsAsync<ApiRequestException>(() => host.Services.GetRequiredService<ITestSentryApi>().ListMembersAsync("acme", Ct));
            Assert.IsType<KeycardScopeException>(ex.InnerException);
        }

        await host.StopAsync(Ct);
    }
}
