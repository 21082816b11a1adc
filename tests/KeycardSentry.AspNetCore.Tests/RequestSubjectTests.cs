using System.Net;
using System.Text.Json;
using KeycardSentry.AspNetCore.Tests.Infrastructure;
using KeycardSentry.Sentry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.AspNetCore.Tests;

/// <summary>
/// The README's app on Kestrel with JwtBearer validating tokens the local Keycard zone signed: each Sentry call made
/// while handling a request carries the exchanged token of that request's user.
/// </summary>
public sealed class RequestSubjectTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentRequestsFromSeveralUsers_EveryPageOfEverySentryCall_CarriesTheTokenOfTheRequestThatCausedIt()
    {
        await using var stand = await WebAppStand.StartAsync();
        stand.Sentry.ProjectsPageSize = 1; // three projects: three pages per request
        string[] users = ["alice", "bob", "carol", "dave"];
        var tokens = users.ToDictionary(u => u, u => stand.Zone.MintSubjectToken(u));
        const int requestsPerUser = 6;
        var requests = Enumerable.Range(0, users.Length * requestsPerUser).Select(i => (Id: "r" + i, User: users[i % users.Length])).ToList();
        var client = stand.CreateClient();

        // Every request's first page is held at Sentry until all of them are in flight in the app at once.
        var gate = stand.Sentry.HoldRequests();
        var calls = requests.Select(r => WebAppStand.GetAsync(client, $"/sentry/acme/projects?query={r.Id}", tokens[r.User])).ToList();
        var allInFlight = gate.WhenArrivedAsync(requests.Count, Ct);
        await Task.WhenAny(allInFlight, Task.WhenAny(calls));
        if (!allInFlight.IsCompleted)
        {
            using var early = await calls.First(c => c.IsCompleted);
            Assert.Fail($"A request finished ({early.StatusCode}) before every request was in flight.");
        }

        gate.Release();
        var responses = await Task.WhenAll(calls);

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["backend", "frontend", "mobile"], JsonSerializer.Deserialize<string[]>(await response.Content.ReadAsStringAsync(Ct))!);
        }

        Assert.Equal(requests.Count * 3, stand.Sentry.RequestCount);
        foreach (var (id, user) in requests)
        {
            var pages = stand.SentryRequestsWithQuery(id);
            Assert.Equal(3, pages.Count);
            Assert.All(pages, p => Assert.Equal(user, p.User));
        }

        // One exchange per user, however many of their requests ran at once.
        Assert.All(users, u => Assert.Equal(1, stand.Zone.ExchangeCount(u)));

        // Nothing logged anywhere in the app (framework included, at Trace) holds a caller's token or an exchanged one.
        var secrets = stand.Zone.AllIssuedTokens.Concat(tokens.Values).ToList();
        var records = stand.Logs.GetSnapshot();
        Assert.NotEmpty(records);
        foreach (var record in records)
        {
            var text = record.Message + "\n" + record.Exception + "\n" + string.Join("\n", record.StructuredState?.Select(kv => kv.Key + "=" + kv.Value) ?? []);
            Assert.DoesNotContain(secrets, s => text.Contains(s, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task UnauthenticatedRequests_Get401FromTheApp_AndCauseNoExchangeAndNoSentryCall()
    {
        await using var stand = await WebAppStand.StartAsync();
        var client = stand.CreateClient();

        string?[] bearers = [null, "not-a-jwt", stand.Zone.MintForgedSubjectToken("alice"), stand.Zone.MintSubjectTokenWithUnknownKey("alice")];
        foreach (var bearer in bearers)
        {
            using var response = await WebAppStand.GetAsync(client, "/sentry/acme/projects", bearer);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, stand.Sentry.RequestCount);
        Assert.Empty(stand.Zone.Requests);
    }

    public static TheoryData<string, string[], int> HostileAuthorizationHeaders => new()
    {
        { "two Authorization header lines", ["Authorization: Bearer {alice}", "Authorization: Bearer {alice}"], 401 },
        { "Bearer without a token", ["Authorization: Bearer"], 401 },
        { "Bearer and spaces only", ["Authorization: Bearer    "], 401 },
        { "another scheme", ["Authorization: Basic YWxpY2U6c2VjcmV0"], 401 },
        { "two tokens in one header", ["Authorization: Bearer {alice} {alice}"], 401 },
        { "a control character after the token", ["Authorization: Bearer {alice}\u0001"], 401 },
        { "a NUL in the token", ["Authorization: Bearer {alice}\u0000"], 400 },
        { "a byte beyond ASCII in the token", ["Authorization: Bearer {alice}\u00e4"], 400 },
        { "a half-megabyte token", ["Authorization: Bearer " + new string('a', 512 * 1024)], 401 },
    };

    [Theory]
    [MemberData(nameof(HostileAuthorizationHeaders))]
    public async Task HostileAuthorizationHeaders_AreRefused_WithoutAnyExchangeOrSentryCall(string what, string[] headerLines, int expected)
    {
        // Kestrel's header limits raised so that even the huge header reaches authentication.
        await using var stand = await WebAppStand.StartAsync(configure: (builder, _) =>
            builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestHeadersTotalSize = 1024 * 1024));
        var alice = stand.Zone.MintSubjectToken("alice");

        var status = await RawHttp.GetStatusAsync(stand.BaseUrl, "/sentry/acme/projects", headerLines.Select(h => h.Replace("{alice}", alice, StringComparison.Ordinal)), Ct);

        Assert.True(expected == status, $"{what}: expected {expected}, got {status}");
        Assert.Equal(0, stand.Sentry.RequestCount);
        Assert.Empty(stand.Zone.Requests);
    }

    [Fact]
    public async Task LowercaseBearerScheme_IsAccepted_LikeAnyCaseOfTheSchemeName()
    {
        await using var stand = await WebAppStand.StartAsync();
        var alice = stand.Zone.MintSubjectToken("alice");
        using var client = new HttpClient { BaseAddress = stand.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sentry/acme/projects");
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", "bearer " + alice));

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(stand.Sentry.Requests);
        Assert.All(stand.Sentry.Requests, r => Assert.Equal("alice", r.User));
    }

    [Fact]
    public async Task ExplicitKeycardSubjectUse_InsideARequest_Wins_AndTheRequestsTokenIsBackAfterIt()
    {
        string? bob = null;
        await using var stand = await WebAppStand.StartAsync(map: app =>
            app.MapGet("/override/{org}", async (string org, ISentryOrganizationsApi sentry, CancellationToken ct) =>
            {
                using (KeycardSubject.Use(bob!))
                {
                    await sentry.GetOrganizationAsync(org, cancellationToken: ct);
                }

                await sentry.GetOrganizationAsync(org, cancellationToken: ct);
                return Results.NoContent();
            }).RequireAuthorization());
        bob = stand.Zone.MintSubjectToken("bob");

        using var response = await WebAppStand.GetAsync(stand.CreateClient(), "/override/acme", stand.Zone.MintSubjectToken("alice"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["bob", "alice"], stand.Sentry.Requests.Select(r => r.User));
    }

    [Fact]
    public async Task WithSaveToken_TheTokenTheSchemeValidated_IsTheSubject_NotAnotherOneInTheHeader()
    {
        // A JwtBearer scheme that reads the token from the query (as for WebSockets) and saves it: the header is not what it validated.
        await using var stand = await WebAppStand.StartAsync(configure: (builder, _) =>
            builder.Services.PostConfigureAll<JwtBearerOptions>(o =>
            {
                o.SaveToken = true;
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = c =>
                    {
                        c.Token = c.Request.Query["access_token"];
                        return Task.CompletedTask;
                    },
                };
            }));
        var alice = stand.Zone.MintSubjectToken("alice");
        var bob = stand.Zone.MintSubjectToken("bob");

        using var response = await WebAppStand.GetAsync(stand.CreateClient(), "/sentry/acme/projects?access_token=" + alice, bob);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, stand.Sentry.RequestCount);
        Assert.All(stand.Sentry.Requests, r => Assert.Equal("alice", r.User));
        Assert.Equal(0, stand.Zone.ExchangeCount("bob"));
    }
}
