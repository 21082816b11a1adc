using KeycardSentry.Internal;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>
/// Issue 7, items 5, 6, 7 and 11c, in the in-process cache: which subject tokens are refused before anything is asked of
/// Keycard, which reach it (and how often), audience and issuer rules, Keycard's <c>invalid_grant</c> as "sign in
/// again", and the bound on a token fetched with an opaque subject token.
/// </summary>
public sealed class HardeningSubjectTests
{
    private const string Resource = TestApp.Resource;
    private const int Seed = 20260807;

    private static readonly DateTimeOffset Start = new(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_thousand_forgeries_never_reach_Keycard_leave_no_entry_and_log_one_warning()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var provider = (InProcessKeycardTokenProvider)app.Tokens;
        var victim = new KeycardTokenRequest(zone.MintSubjectToken("victim"), Resource);
        var victimToken = await app.Tokens.GetTokenAsync(victim, Ct);
        var forgeries = SubjectTokenForgeries.Generate(zone, "victim", Seed, 1000);

        var outcomes = await RefuseAllAsync(app, forgeries);
        var warnings = app.Logs.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Category == typeof(SubjectTokenValidator).FullName);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{forgeries.Count} forgeries ({SubjectTokenForgeries.KindCount} kinds): {outcomes.Refused} refused with KeycardSubjectException, " +
            $"{zone.Requests.Count - 1} token requests, {provider.Count - 1} cache entries, {warnings} warning line(s); JWKS fetches {zone.JwksRequestCount}");
        Assert.Empty(outcomes.Other);
        Assert.Equal(forgeries.Count, outcomes.Refused);
        Assert.Single(zone.Requests); // the victim's own exchange, nothing else
        Assert.Equal(1, provider.Count);
        Assert.Equal(1, ((SubjectTokenValidator)app.Validator).CachedValidations);
        Assert.Equal(1, warnings); // the clock stands still: one line, the rest counted in the next one
        Assert.Equal(victimToken.Fingerprint, (await app.Tokens.GetTokenAsync(victim, Ct)).Fingerprint);
    }

    [Fact]
    public async Task With_JwtOrOpaque_only_tokens_that_are_not_JWT_shaped_reach_Keycard_once_per_back_off_window()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque, time: time);
        var forgeries = SubjectTokenForgeries.Generate(zone, "victim", Seed, 1000);

        // Each forgery twice at the same instant: JWT-shaped ones are validated and refused here; the others are opaque
        // to this app and go to Keycard (which refuses them), the second time answered from the remembered failure.
        var reachedKeycard = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var forgery in forgeries.Concat(forgeries))
        {
            var before = zone.Requests.Count;
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.Tokens.GetTokenAsync(new KeycardTokenRequest(forgery.Token, Resource), Ct).AsTask());
            Assert.True(ex is KeycardSubjectException or KeycardExchangeException, $"{forgery}: {ex.GetType().Name}");
            if (zone.Requests.Count > before)
            {
                reachedKeycard[forgery.Kind] = reachedKeycard.GetValueOrDefault(forgery.Kind) + 1;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine("reached Keycard: " + string.Join(", ", reachedKeycard.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.Equal(["dotted-junk", "junk", "jwe-shaped"], reachedKeycard.Keys);
        Assert.Equal(forgeries.Count(f => reachedKeycard.ContainsKey(f.Kind)), zone.Requests.Count); // once per token, not per call
        Assert.Equal(0, zone.TotalExchanges);

        // The same junk, called again and again: one attempt per back-off window (1 s, then 2 s, 4 s ...).
        var junk = new KeycardTokenRequest("kc_junk_" + new string('j', 40), Resource);
        var attempts = new List<int>();
        for (var second = 0; second < 16; second++)
        {
            var before = zone.Requests.Count;
            for (var call = 0; call < 10; call++)
            {
                await Assert.ThrowsAsync<KeycardExchangeException>(() => app.Tokens.GetTokenAsync(junk, Ct).AsTask());
            }

            attempts.Add(zone.Requests.Count - before);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // 160 calls in 16 s: attempts at 0, 1, 3, 7 and 15 s.
        Assert.Equal([1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], attempts);
    }

    [Fact]
    public async Task Without_SubjectAudience_the_start_fails_naming_both_keys()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        using var host = TestApp.Build(zone, keycard: o => o.SubjectAudience = null);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("Keycard:SubjectAudience is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard__SubjectAudience", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Keycard:AllowAnySubjectAudience=true", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tokens_for_another_audience_an_ID_token_or_another_client_are_refused_unless_any_audience_is_allowed(bool allowAny)
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, keycard: o => (o.SubjectAudience, o.AllowAnySubjectAudience) = allowAny ? (null, true) : (zone.SubjectAudience, false));
        string[] subjects =
        [
            zone.MintSubjectTokenForAudience("alice", "another-audience"),
            zone.MintSubjectTokenForAudience("alice", zone.ClientId), // what an ID token for this client carries
            zone.MintSubjectTokenForAudience("alice", "another-client"),
            zone.MintSubjectTokenForAudience("alice", null),
        ];

        foreach (var subject in subjects)
        {
            var request = new KeycardTokenRequest(subject, Resource);
            if (allowAny)
            {
                await app.Tokens.GetTokenAsync(request, Ct);
            }
            else
            {
                var ex = await Assert.ThrowsAsync<KeycardSubjectException>(() => app.Tokens.GetTokenAsync(request, Ct).AsTask());
                Assert.Contains("audience is not Keycard:SubjectAudience", ex.Message, StringComparison.Ordinal);
            }
        }

        // Allowed, they are all alice's (one binding, one exchange); refused, Keycard heard of none of them.
        Assert.Equal(allowAny ? 1 : 0, zone.Requests.Count);
        Assert.Equal(allowAny ? 1 : 0, ((InProcessKeycardTokenProvider)app.Tokens).Count);
    }

    [Fact]
    public async Task An_issuer_with_a_trailing_slash_is_refused_not_keyed_as_another_user()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        await app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource), Ct);

        foreach (var issuer in (string[])[zone.Issuer + "/", zone.Issuer.ToUpperInvariant(), "https://evil.example"])
        {
            var ex = await Assert.ThrowsAsync<KeycardSubjectException>(() =>
                app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintSubjectTokenForIssuer("alice", issuer), Resource), Ct).AsTask());
            Assert.Contains("issued by another issuer", ex.Message, StringComparison.Ordinal);
        }

        Assert.Single(zone.Requests);
        Assert.Equal(1, ((InProcessKeycardTokenProvider)app.Tokens).Count);
    }

    [Fact]
    public async Task Keycards_invalid_grant_is_a_KeycardSubjectException_remembered_for_the_back_off()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, time: time);
        var request = new KeycardTokenRequest(zone.MintSubjectToken("alice"), Resource);
        zone.EnqueueFault(FaultResponse.OAuthError("invalid_grant", "The subject token was revoked."));

        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(() => app.Tokens.GetTokenAsync(request, Ct).AsTask());
        var again = await Assert.ThrowsAsync<KeycardSubjectException>(() => app.Tokens.GetTokenAsync(request, Ct).AsTask());

        Assert.Contains("sign in to Keycard again", ex.Message, StringComparison.Ordinal);
        Assert.Equal("invalid_grant", Assert.IsType<KeycardExchangeException>(ex.InnerException).Error);
        Assert.Equal(ex.Message, again.Message);
        Assert.Single(zone.Requests); // the second call was answered from memory

        time.Advance(TimeSpan.FromSeconds(1));
        await app.Tokens.GetTokenAsync(request, Ct);
        Assert.Equal(2, zone.Requests.Count);
    }

    [Fact]
    public async Task A_token_fetched_with_an_opaque_subject_token_is_served_at_most_SubjectValidationCacheDuration()
    {
        var time = new FakeTimeProvider(Start);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromHours(1) });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque, time: time);
        var opaque = zone.MintOpaqueSubjectToken("olivia");
        var request = new KeycardTokenRequest(opaque, Resource);
        var first = await app.Tokens.GetTokenAsync(request, Ct);

        // The zone revokes the opaque token; only a new exchange can notice. Until 5 min after the exchange the token is
        // served (no refresh is due before 3 min); at 5 min it is not, and the new exchange is refused.
        Assert.True(zone.RevokeOpaqueSubjectToken(opaque));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(first.Fingerprint, (await app.Tokens.GetTokenAsync(request, Ct)).Fingerprint);
        Assert.Single(zone.Requests);

        time.Advance(TimeSpan.FromMinutes(3));
        await Assert.ThrowsAsync<KeycardSubjectException>(() => app.Tokens.GetTokenAsync(request, Ct).AsTask());
        Assert.Equal(2, zone.Requests.Count);
        Assert.True(first.ExpiresAt > time.GetUtcNow() + TimeSpan.FromMinutes(50), "the token itself had most of its hour left");
    }

    private static async Task<(int Refused, List<string> Other)> RefuseAllAsync(TestApp app, IReadOnlyList<SubjectTokenForgery> forgeries)
    {
        var refused = 0;
        var other = new List<string>();
        foreach (var forgery in forgeries)
        {
            try
            {
                await app.Tokens.GetTokenAsync(new KeycardTokenRequest(forgery.Token, Resource), Ct);
                other.Add($"{forgery}: accepted");
            }
            catch (KeycardSubjectException ex)
            {
                refused++;
                if (ex.Message.Contains(forgery.Token, StringComparison.Ordinal) || ex.Message.Any(char.IsControl))
                {
                    other.Add($"{forgery}: the message shows the token or control characters");
                }
            }
            catch (Exception ex)
            {
                other.Add($"{forgery}: {ex.GetType().Name}");
            }
        }

        return (refused, other);
    }
}
