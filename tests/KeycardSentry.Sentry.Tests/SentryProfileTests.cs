using System.Globalization;
using System.Net;
using System.Text.Json;
using KeycardSentry.Sentry.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.Logging;

namespace KeycardSentry.Sentry.Tests;

/// <summary>
/// Issue 7, item 8: what Sentry sends back is bounded before it decides anything. The SDK's profile ignores absurd
/// <c>X-Sentry-Rate-Limit-Reset</c> and <c>Retry-After</c> values (the handler then backs off exponentially from 1 s),
/// and error details reach exception messages and logs cut to 256 characters with control characters escaped.
/// End to end through the generated SDK, the local zone and the Sentry stand-in, on a fake clock.
/// </summary>
public sealed class SentryProfileTests
{
    private static readonly DateTimeOffset Now = new(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> AbsurdResets => new()
    {
        "1e300", "-1e300", "Infinity", "-Infinity", "NaN", "∞", "1e9999",
        "253402300800", // the first second of the year 10000
        Now.AddDays(2).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), // further than a day: not a rate limit worth waiting for
        "-1", "garbage", "0x10", "1,5", "", " ", "12 34", "١٢٣", new string('9', 100_000), "1" + new string('0', 40),
    };

    public static TheoryData<string> AbsurdRetryAfters => new()
    {
        "-1", "2147483648", "99999999999999999999", "86401", "Fri, 31 Dec 9999 23:59:59 GMT", "garbage", "1e3", new string('9', 100_000),
    };

    [Theory]
    [MemberData(nameof(AbsurdResets))]
    public void AnAbsurdRateLimitReset_IsIgnored(string value)
    {
        using var response = TooManyRequests((SentryApiProfile.RateLimitResetHeader, value));

        Assert.Null(SentryApiProfile.Instance.RequestedRetryDelay(response, Now));
    }

    [Theory]
    [MemberData(nameof(AbsurdRetryAfters))]
    public void AnAbsurdRetryAfter_IsIgnored_AndTheResetHeaderStillCounts(string value)
    {
        using var alone = TooManyRequests(("Retry-After", value));
        using var withReset = TooManyRequests(("Retry-After", value), (SentryApiProfile.RateLimitResetHeader, Epoch(Now.AddSeconds(5))));

        Assert.Null(SentryApiProfile.Instance.RequestedRetryDelay(alone, Now));
        Assert.Equal(TimeSpan.FromSeconds(5), SentryApiProfile.Instance.RequestedRetryDelay(withReset, Now));
    }

    [Fact]
    public void SensibleValues_AreWaitedFor_AndAResetInThePastMeansNow()
    {
        Assert.Equal(TimeSpan.FromSeconds(23), Delay((SentryApiProfile.RateLimitResetHeader, Epoch(Now.AddSeconds(23)))));
        Assert.Equal(TimeSpan.FromSeconds(1.5), Delay((SentryApiProfile.RateLimitResetHeader, (Now.ToUnixTimeSeconds() + 1.5).ToString(CultureInfo.InvariantCulture))));
        Assert.Equal(TimeSpan.Zero, Delay((SentryApiProfile.RateLimitResetHeader, Epoch(Now.AddSeconds(-10)))));
        Assert.Equal(TimeSpan.Zero, Delay((SentryApiProfile.RateLimitResetHeader, "0")));
        Assert.Equal(TimeSpan.FromSeconds(17), Delay(("Retry-After", "17")));
        Assert.Equal(TimeSpan.FromDays(1), Delay(("Retry-After", "86400")));
        Assert.Equal(TimeSpan.Zero, Delay(("Retry-After", Now.AddMinutes(-1).ToString("r", CultureInfo.InvariantCulture))));
        Assert.Equal(TimeSpan.FromSeconds(7), Delay(("Retry-After", "7"), (SentryApiProfile.RateLimitResetHeader, Epoch(Now.AddSeconds(30))))); // Retry-After first

        static TimeSpan? Delay(params (string Name, string Value)[] headers)
        {
            using var response = TooManyRequests(headers);
            return SentryApiProfile.Instance.RequestedRetryDelay(response, Now);
        }
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("-1e300")]
    [InlineData("Infinity")]
    [InlineData("NaN")]
    [InlineData("253402300800")]
    public async Task A429WithAnAbsurdReset_IsRetriedAfterTheExponentialBackOff_WithoutAnyException(string reset)
    {
        var time = new ObservableTimeProvider();
        await using var stand = await SentryStand.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await SentryApp.StartInProcessAsync(stand, time);
        stand.Sentry.EnqueueFault(RateLimited(reset));

        await AssertRetriedAfterAsync(stand, app, time, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A429WithOnlyXSentryRateLimitReset_IsRetriedAtTheResetTime()
    {
        var time = new ObservableTimeProvider();
        await using var stand = await SentryStand.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await SentryApp.StartInProcessAsync(stand, time);
        stand.Sentry.EnqueueFault(SentryFault.RateLimitedUntil(time.GetUtcNow() + TimeSpan.FromSeconds(23)));

        await AssertRetriedAfterAsync(stand, app, time, TimeSpan.FromSeconds(23));
    }

    public static TheoryData<string, string> HostileDetails => new()
    {
        { "multi-line", string.Join("\r\n", Enumerable.Range(0, 300).Select(i => $"line {i}: Sentry says\u001b[31m no\u0000")) },
        { "nested", "{\"code\":\"sso-required\\nX-Injected: 1\",\"message\":\"" + new string('m', 5000) + "\"}" },
        { "two megabytes", new string('x', 2 * 1024 * 1024) },
    };

    [Theory]
    [MemberData(nameof(HostileDetails))]
    public async Task A403WithAHugeOrMultiLineDetail_IsCutTo256CharactersAndEscaped_InTheExceptionAndTheLog(string kind, string detail)
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        var body = kind == "nested" ? "{\"detail\":" + detail + "}" : JsonSerializer.Serialize(new { detail });
        stand.Sentry.EnqueueFault(new SentryFault(403, body, new Dictionary<string, string>()));

        SentryScopeException ex;
        using (KeycardSubject.Use(stand.Zone.MintSubjectToken("alice")))
        {
            ex = await Assert.ThrowsAsync<SentryScopeException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));
        }

        var logged = app.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning && r.Message.Contains("answered 403", StringComparison.Ordinal)).Select(r => r.Message).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"{kind}: Detail {ex.Detail?.Length.ToString(CultureInfo.InvariantCulture) ?? "null"} chars, message {ex.Message.Length} chars: {ex.Detail}");
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Single(logged);
        foreach (var text in (string?[])[ex.Detail ?? "", ex.Message, logged[0]])
        {
            Assert.NotNull(text);
            Assert.DoesNotContain(text, char.IsControl);
            Assert.True(text.Length < 1500, $"{text.Length} characters");
        }

        if (kind == "two megabytes")
        {
            // Over the 16 KB of an error body the handler reads, the detail is not parsed at all.
            Assert.Null(ex.Detail);
            Assert.Contains("no detail", ex.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Matches(@"…\(\d+ characters, truncated\)$", ex.Detail);
            Assert.Contains(kind == "nested" ? "sso-required\\u000aX-Injected: 1: mmm" : "line 0: Sentry says\\u001b[31m no\\u0000\\u000d\\u000aline 1", ex.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A401WithAMultiLineDetail_IsEscapedInTheAuthorizationException()
    {
        await using var stand = await SentryStand.StartAsync();
        await using var app = await SentryApp.StartInProcessAsync(stand);
        stand.Sentry.FaultHook = _ => SentryFault.Unauthorized("Invalid token\r\nX-Injected: 1" + new string('!', 1000));

        using var subject = KeycardSubject.Use(stand.Zone.MintSubjectToken("alice"));
        var ex = await Assert.ThrowsAsync<SentryAuthorizationException>(() => app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct));

        Assert.StartsWith("Invalid token\\u000d\\u000aX-Injected: 1!!!", ex.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.True(ex.Detail!.Length < 320, $"{ex.Detail.Length} characters");
    }

    private static async Task AssertRetriedAfterAsync(SentryStand stand, SentryApp app, ObservableTimeProvider time, TimeSpan delay)
    {
        Task<Models.Organization> call;
        using (KeycardSubject.Use(stand.Zone.MintSubjectToken("alice")))
        {
            call = app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
        }

        await time.WhenTimerStartedAsync(delay).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(1, stand.Sentry.RequestCount);
        Assert.False(call.IsCompleted);

        time.Advance(delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, stand.Sentry.RequestCount);
        time.Advance(TimeSpan.FromMilliseconds(1));

        var organization = await call.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal("alice", organization.AdditionalProperties!["user"].GetString());
        Assert.Equal(2, stand.Sentry.RequestCount);
    }

    private static SentryFault RateLimited(string reset) =>
        new(429, JsonSerializer.Serialize(new { detail = SentryFault.RateLimitedDetail }), new Dictionary<string, string> { [SentryApiProfile.RateLimitResetHeader] = reset });

    private static HttpResponseMessage TooManyRequests(params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    private static string Epoch(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
