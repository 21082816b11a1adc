using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using KeycardSentry.Internal;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>Token responses through real HTTP and the real in-process provider: hostile ones are refused with typed errors and never cached.</summary>
public sealed class MalformedTokenResponseTests
{
    private const string Resource = TestApp.Resource;
    private const int Seed = 20260801;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_generator_is_deterministic_and_covers_every_kind()
    {
        var first = MalformedTokenResponses.Generate(Seed, 300);
        var second = MalformedTokenResponses.Generate(Seed, 300);

        Assert.Equal(first.Select(r => r.Kind), second.Select(r => r.Kind));
        Assert.Equal(first.Select(r => r.Response.Body), second.Select(r => r.Response.Body));
        Assert.True(first.Select(r => r.Kind).Distinct().Count() > 100);
        Assert.Contains(first, r => r.Response.RawBody is not null);
        Assert.Contains(first, r => r.Response.StatusCode != 200);
    }

    [Fact]
    public async Task A_thousand_malformed_responses_give_typed_errors_and_none_is_cached()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, time: time);
        var cases = MalformedTokenResponses.Generate(Seed, 1000);
        var untyped = new List<string>();
        var accepted = new List<string>();
        var cached = new List<string>();
        var unsafeMessages = new List<string>();
        var errors = new SortedDictionary<string, int>(StringComparer.Ordinal);

        for (var i = 0; i < cases.Count; i++)
        {
            var malformed = cases[i];
            var request = new KeycardTokenRequest(zone.MintSubjectToken("user-" + i.ToString(CultureInfo.InvariantCulture)), Resource);
            zone.EnqueueFault(malformed.Response);
            try
            {
                await app.Tokens.GetTokenAsync(request, Ct);
                accepted.Add(malformed.Kind);
            }
            catch (KeycardExchangeException ex)
            {
                errors[ex.Error ?? "(null)"] = errors.GetValueOrDefault(ex.Error ?? "(null)") + 1;
                if (((int)malformed.Response.StatusCode is >= 200 and <= 299 && ex.Error != "invalid_response")
                    || ex.Message.Any(char.IsControl) || ex.Message.Length > 1500 || ex.Message.Contains("kc_at_", StringComparison.Ordinal)
                    || (ex.ErrorDescription?.Any(char.IsControl) ?? false))
                {
                    unsafeMessages.Add($"{malformed.Kind}: {ex.Error}, {ex.Message.Length} chars");
                }
            }
            catch (Exception ex)
            {
                untyped.Add($"{malformed.Kind}: {ex.GetType().Name}");
            }

            // Nothing was cached: once the failure's back-off (Keycard:FailureBackoff, 1 s) has passed, the same request costs
            // a real exchange, and that one works.
            time.Advance(TimeSpan.FromSeconds(1));
            var exchangesBefore = zone.TotalExchanges;
            KeycardToken token;
            try
            {
                token = await app.Tokens.GetTokenAsync(request, Ct);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"After '{malformed.Kind}' ({malformed.Response}) the next well-formed exchange failed.", ex);
            }

            if (zone.TotalExchanges != exchangesBefore + 1 || !zone.TryResolveAccessToken(token.AccessToken, out _))
            {
                cached.Add(malformed.Kind);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{cases.Count} malformed responses ({cases.Select(c => c.Kind).Distinct().Count()} distinct kinds): {untyped.Count} untyped exceptions, {accepted.Count} accepted, {cached.Count} cached; errors: " +
            string.Join(", ", errors.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.Empty(untyped);
        Assert.Empty(accepted);
        Assert.Empty(cached);
        Assert.Empty(unsafeMessages);
    }

    public static TheoryData<string, double> ValidLifetimes => new()
    {
        { "0", 0 },
        { "-0", 0 },
        { "1e-300", 0 },
        { "86400", 86400 },
        { "86401", 86400 },
        { "9223372036854775807", 86400 },
        { "3599.5", 3599.5 },
    };

    [Theory]
    [MemberData(nameof(ValidLifetimes))]
    public async Task Valid_edge_lifetimes_work_and_are_clamped_to_the_maximum(string expiresIn, double seconds)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource);
        zone.EnqueueFault(FaultResponse.Ok($"{{\"access_token\":\"kc_at_edge\",\"token_type\":\"bearer\",\"expires_in\":{expiresIn}}}"));

        var token = await app.Tokens.GetTokenAsync(request, Ct);

        Assert.Equal("kc_at_edge", token.AccessToken);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(seconds), token.ExpiresAt);
        Assert.Equal(TimeSpan.FromHours(24), new KeycardOptions().MaxTokenLifetime);
        var next = await app.Tokens.GetTokenAsync(request, Ct);
        Assert.Equal(seconds == 0 ? 1 : 0, zone.TotalExchanges); // a token that is already due is not served again
        Assert.Equal(seconds == 0, next.AccessToken != token.AccessToken);
    }

    [Fact]
    public async Task A_16_KiB_token_in_a_64_KiB_body_with_a_BOM_is_accepted_and_one_byte_more_is_not()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var longest = MalformedTokenResponses.RandomB64Token(new Random(Seed), TokenResponseParser.MaxAccessTokenLength);
        byte[] Body(int size)
        {
            var json = $"{{\"access_token\":\"{longest}\",\"expires_in\":3600}}";
            return [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json[..^1] + new string(' ', size - 3 - json.Length) + "}")];
        }

        zone.EnqueueFault(FaultResponse.Raw(200, Body(TokenResponseParser.MaxBodyBytes)));
        var token = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);
        Assert.Equal(longest, token.AccessToken);

        zone.EnqueueFault(FaultResponse.Raw(200, Body(TokenResponseParser.MaxBodyBytes + 1)));
        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintSubjectToken("bob"), Resource), Ct).AsTask());
        Assert.Equal("invalid_response", ex.Error);
        Assert.Contains("64 KiB", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\0")]
    [InlineData("\r\nX-Injected: 1")]
    public async Task An_access_token_with_CR_LF_or_NUL_fails_the_call_once_and_the_user_is_not_locked_out(string inserted)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry, time: time);
        var poisoned = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["access_token"] = "kc_at_poisoned" + inserted + "tail",
            ["token_type"] = "Bearer",
            ["expires_in"] = 3600,
        });

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            zone.EnqueueFault(FaultResponse.Ok(poisoned));
            var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Api.ListOrganizationsAsync(Ct));
            Assert.Equal("invalid_response", ex.Error);
            Assert.DoesNotContain("poisoned", ex.Message, StringComparison.Ordinal);
            Assert.Equal(0, sentry.RequestCount);

            // Once the failure's back-off (1 s) has passed, the next call exchanges again (nothing was cached) and goes
            // through; so does every call after it.
            time.Advance(TimeSpan.FromSeconds(1));
            for (var call = 0; call < 3; call++)
            {
                var orgs = await app.Api.ListOrganizationsAsync(Ct);
                Assert.Equal("alice", Assert.Single(orgs).User);
            }
        }

        Assert.Equal(1, zone.ExchangeCount("alice"));
        Assert.Equal(3, sentry.RequestCount);
    }

    [Fact]
    public async Task A_non_2xx_answer_with_a_body_over_the_limit_keeps_its_status_meaning()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        zone.EnqueueFault(new FaultResponse(503, "<html>" + new string('x', 300_000) + "</html>", "text/html"));

        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Exchange.ExchangeAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal("server_error", ex.Error);
        Assert.True(ex.IsRetryable);
    }
}
