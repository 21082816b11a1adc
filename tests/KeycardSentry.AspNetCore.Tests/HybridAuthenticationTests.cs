using System.Net;
using System.Security.Claims;
using KeycardSentry.AspNetCore.Tests.Infrastructure;
using KeycardSentry.Sentry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.AspNetCore.Tests;

/// <summary>
/// An app with cookies besides JwtBearer: only a request the bearer scheme authenticated has a subject; the others
/// fail with the handler's missing-subject error, which names AddKeycardSubjectFromHttpContext.
/// </summary>
public sealed class HybridAuthenticationTests
{
    private const string Smart = "BearerOrCookies";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Default scheme: a policy scheme that forwards to JwtBearer when the request has an Authorization header, else to
    /// cookies. <c>/signin/{user}</c> sets a cookie; <c>/cookie/{org}</c> accepts cookies only; <c>/either/{org}</c> has a
    /// policy naming both schemes.
    /// </summary>
    private static Task<WebAppStand> StartAsync() => WebAppStand.StartAsync(
        configure: (builder, _) => builder.Services.AddAuthentication(Smart)
            .AddCookie()
            .AddPolicyScheme(Smart, "Bearer or cookies", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme),
        map: app =>
        {
            app.MapGet("/signin/{user}", async (string user, HttpContext context) =>
            {
                var identity = new ClaimsIdentity([new Claim("sub", user)], CookieAuthenticationDefaults.AuthenticationScheme);
                await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
                return Results.NoContent();
            });
            app.MapGet("/cookie/{org}", GetOrganizationAsync)
                .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = CookieAuthenticationDefaults.AuthenticationScheme });
            app.MapGet("/either/{org}", GetOrganizationAsync)
                .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = CookieAuthenticationDefaults.AuthenticationScheme + "," + JwtBearerDefaults.AuthenticationScheme });
        });

    private static async Task<IResult> GetOrganizationAsync(string org, ISentryOrganizationsApi sentry, CancellationToken ct)
    {
        await sentry.GetOrganizationAsync(org, cancellationToken: ct);
        return Results.NoContent();
    }

    [Fact]
    public async Task APolicySchemeForwardingToJwtBearer_GivesTheBearerTokenAsTheSubject()
    {
        await using var stand = await StartAsync();

        using var response = await WebAppStand.GetAsync(stand.CreateClient(), "/sentry/acme/projects", stand.Zone.MintSubjectToken("alice"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(stand.Sentry.Requests);
        Assert.All(stand.Sentry.Requests, r => Assert.Equal("alice", r.User));
    }

    [Fact]
    public async Task ACookieAuthenticatedRequest_GivesNoSubject_EvenWithAValidBearerHeader_AndTheErrorNamesTheFix()
    {
        await using var stand = await StartAsync();
        var client = stand.CreateClient();
        using (var signIn = await WebAppStand.GetAsync(client, "/signin/mallory", bearer: null))
        {
            Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        }

        // Authenticated by the cookie (the endpoint accepts nothing else), carrying alice's valid token on the side.
        using var response = await WebAppStand.GetAsync(client, "/cookie/acme", stand.Zone.MintSubjectToken("alice"));

        await AssertNoSubjectAsync(stand, response);
    }

    [Fact]
    public async Task ACookieRequestThroughThePolicyScheme_GivesNoSubject()
    {
        await using var stand = await StartAsync();
        var client = stand.CreateClient();
        (await WebAppStand.GetAsync(client, "/signin/mallory", bearer: null)).Dispose();

        using var response = await WebAppStand.GetAsync(client, "/sentry/acme/projects", bearer: null);

        await AssertNoSubjectAsync(stand, response);
    }

    [Fact]
    public async Task AnAuthorizationPolicyNamingCookiesAndBearer_GivesNoSubject_BecauseItDoesNotSayWhichSucceeded()
    {
        await using var stand = await StartAsync();

        using var response = await WebAppStand.GetAsync(stand.CreateClient(), "/either/acme", stand.Zone.MintSubjectToken("alice"));

        await AssertNoSubjectAsync(stand, response);
    }

    private static async Task AssertNoSubjectAsync(WebAppStand stand, HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith(nameof(InvalidOperationException) + ": No Keycard subject token for this call.", error, StringComparison.Ordinal);
        Assert.Contains("AddKeycardSubjectFromHttpContext()", error, StringComparison.Ordinal);
        Assert.Contains("authenticated by a scheme that is not a bearer token (e.g. a cookie)", error, StringComparison.Ordinal);
        Assert.Contains("KeycardSubject.Use", error, StringComparison.Ordinal);
        Assert.Equal(0, stand.Sentry.RequestCount);
        Assert.Empty(stand.Zone.Requests);
    }
}
