using System.Collections.Concurrent;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class SecurityTests
{
    private const string Resource = TestApp.Resource;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_forged_JWT_with_the_victims_sub_gets_nothing_while_the_victims_token_is_cached()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone);
        var victim = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintSubjectToken("victim"), Resource), Ct);

        var forged = zone.MintForgedSubjectToken("victim");
        var ex = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Tokens.GetTokenAsync(new KeycardTokenRequest(forged, Resource), Ct));

        Assert.DoesNotContain(forged, ex.Message, StringComparison.Ordinal);
        Assert.Contains("signature", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, zone.ExchangeCount("victim"));
        Assert.Single(zone.Requests); // the forged token never reached the zone either

        // A tampered token (victim's header and signature, attacker's payload) fares no better.
        var real = zone.MintSubjectToken("attacker").Split('.');
        var victimParts = zone.MintSubjectToken("victim").Split('.');
        var spliced = $"{real[0]}.{victimParts[1]}.{real[2]}";
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Tokens.GetTokenAsync(new KeycardTokenRequest(spliced, Resource), Ct));
        Assert.NotNull(victim);
    }

    [Fact]
    public async Task An_expired_subject_token_gets_nothing_cached_or_not()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromHours(8) });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.ClockSkew = TimeSpan.FromSeconds(30), time: time);
        var shortLived = zone.MintSubjectToken("alice", TimeSpan.FromMinutes(5));
        var request = new KeycardTokenRequest(shortLived, Resource);
        await app.Tokens.GetTokenAsync(request, Ct); // cached, valid for 8 h

        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(31));
        var cached = await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Tokens.GetTokenAsync(request, Ct));
        Assert.Contains("expired", cached.Message, StringComparison.Ordinal);

        var neverCached = zone.MintSubjectToken("bob", TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAsync<KeycardSubjectException>(async () => await app.Tokens.GetTokenAsync(new KeycardTokenRequest(neverCached, Resource), Ct));

        Assert.Equal(1, zone.TotalExchanges);
    }

    [Fact]
    public async Task A_JWT_within_clock_skew_of_expiry_is_still_accepted()
    {
        var time = new ObservableTimeProvider();
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time });
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.ClockSkew = TimeSpan.FromSeconds(30), time: time);
        var token = zone.MintSubjectToken("alice", TimeSpan.FromMinutes(5));

        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(10));
        var identity = await app.Validator.ValidateAsync(token, Ct);

        Assert.Equal(TestBindings.Jwt(zone, "alice"), identity.Binding.Key);
        Assert.True(identity.IsValidatedJwt);
    }

    [Fact]
    public async Task Opaque_binding_a_different_opaque_token_cannot_get_the_cached_one()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, keycard: o => o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque);
        var aliceOpaque = zone.MintOpaqueSubjectToken("alice");
        var aliceToken = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(aliceOpaque, Resource), Ct);

        var identity = await app.Validator.ValidateAsync(aliceOpaque, Ct);
        Assert.StartsWith("opaque:", identity.Binding.Key, StringComparison.Ordinal);
        Assert.False(identity.IsValidatedJwt);

        // Another opaque token of the same user is a different binding: it gets its own exchange.
        var second = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(zone.MintOpaqueSubjectToken("alice"), Resource), Ct);
        Assert.NotEqual(aliceToken.AccessToken, second.AccessToken);

        // A made-up opaque token gets nothing cached: it goes to the zone, which refuses it.
        var ex = await Assert.ThrowsAsync<KeycardExchangeException>(async () => await app.Tokens.GetTokenAsync(new KeycardTokenRequest("kc_opaque_guess", Resource), Ct));
        Assert.Equal("invalid_request", ex.Error);
        Assert.Equal(2, zone.ExchangeCount("alice"));
    }

    [Fact]
    public async Task Without_a_JWKS_JWTs_are_bound_by_their_hash()
    {
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { PublishJwks = false });
        await using var app = await TestApp.StartAsync(zone);
        var identity = await app.Validator.ValidateAsync(zone.MintSubjectToken("alice"), Ct);
        Assert.StartsWith("opaque:", identity.Binding.Key, StringComparison.Ordinal);
        Assert.False(identity.IsValidatedJwt);
    }

    [Fact]
    public async Task One_thousand_interleaved_calls_from_fifty_users_through_one_client_each_carry_their_own_users_token()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await EchoingSentry.StartAsync(zone);
        await using var app = await TestApp.StartAsync(zone, sentry);
        var users = Enumerable.Range(0, 50).Select(i => $"user{i:00}").ToArray();
        var subjects = users.ToDictionary(u => u, u => zone.MintSubjectToken(u));
        var api = app.Api; // one Refit client, one handler pipeline, shared by every call
        var results = new ConcurrentBag<(string CalledFor, string Echoed)>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Ct }, async (i, ct) =>
        {
            var user = users[(i * 7) % users.Length];
            using (KeycardSubject.Use(subjects[user]))
            {
                var org = await api.GetOrganizationAsync(user, ct);
                results.Add((user, org.User));
            }
        });

        Assert.Equal(1000, results.Count);
        Assert.All(results, r => Assert.Equal(r.CalledFor, r.Echoed));
        var requests = sentry.Requests;
        Assert.Equal(1000, requests.Count);
        Assert.All(requests, r => Assert.Equal($"/api/0/organizations/{r.User}/", r.Path));
        Assert.All(users, u => Assert.Equal(1, zone.ExchangeCount(u)));
    }
}
