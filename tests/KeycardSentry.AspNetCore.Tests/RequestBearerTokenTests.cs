using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace KeycardSentry.AspNetCore.Tests;

/// <summary>The rules that decide whether a request has a subject token, on hand-made requests.</summary>
public sealed class RequestBearerTokenTests
{
    private const string Jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

    private static readonly BearerSchemes Schemes = CreateSchemes();

    public static TheoryData<string> AcceptedHeaders => new()
    {
        "Bearer " + Jwt,
        "bearer " + Jwt,
        "BEARER " + Jwt,
        "Bearer    " + Jwt + "   ",
        "Bearer \t" + Jwt + "\t",
        "Bearer abc-._~+/XYZ09==",
        "Bearer " + new string('a', RequestBearerToken.MaxTokenLength),
    };

    [Theory]
    [MemberData(nameof(AcceptedHeaders))]
    public void AWellFormedBearerHeader_GivesItsToken(string header)
    {
        var token = RequestBearerToken.FromAuthorizationHeader(header, out var reason);

        Assert.Equal(header[7..].Trim(' ', '\t'), token);
        Assert.Equal(NoSubjectReason.None, reason);
    }

    public static TheoryData<string> RefusedHeaders => new()
    {
        "Bearer",
        "Bearer ",
        "Bearer      ",
        "Bearer\t" + Jwt,
        "Bearer" + Jwt,
        "Bearerx " + Jwt,
        "Basic YWxpY2U6c2VjcmV0",
        "Bearer " + Jwt + " " + Jwt,
        "Bearer " + Jwt + ",Bearer " + Jwt,
        "Bearer " + Jwt + "\u0000",
        "Bearer " + Jwt + "\u0001x",
        "Bearer " + Jwt + "\r\nX-Injected: 1",
        "Bearer a\tb",
        "Bearer ==",
        "Bearer a=b",
        "Bearer ä" + Jwt,
        "Bearer " + new string('a', RequestBearerToken.MaxTokenLength + 1),
        "Bearer " + new string('a', 1024 * 1024),
        "",
    };

    [Theory]
    [MemberData(nameof(RefusedHeaders))]
    public void AMalformedOrForeignHeader_GivesNoToken(string header)
    {
        Assert.Null(RequestBearerToken.FromAuthorizationHeader(header, out var reason));
        Assert.Equal(NoSubjectReason.NotBearerCredentials, reason);
    }

    [Fact]
    public void NoHeader_OrSeveralHeaders_GiveNoToken()
    {
        Assert.Null(RequestBearerToken.FromAuthorizationHeader(StringValues.Empty, out var none));
        Assert.Equal(NoSubjectReason.NoAuthorizationHeader, none);

        Assert.Null(RequestBearerToken.FromAuthorizationHeader(new StringValues(["Bearer " + Jwt, "Bearer " + Jwt]), out var several));
        Assert.Equal(NoSubjectReason.SeveralAuthorizationHeaders, several);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("SecondJwt")]
    [InlineData("Introspection")]
    [InlineData("Bearer;SecondJwt")]
    public void ARequestAuthenticatedByBearerSchemesOnly_HasTheHeadersToken(string ticketSchemes)
    {
        var context = Authenticated(ticketSchemes, "Bearer " + Jwt);

        Assert.Equal(Jwt, RequestBearerToken.Read(context, Schemes, out _));
    }

    [Theory]
    [InlineData("Cookies")]
    [InlineData("ApiKey")]
    [InlineData("Cookies;Bearer")]
    [InlineData("Bearer;Cookies")]
    [InlineData("context.User")]
    [InlineData("")]
    public void ARequestAuthenticatedByAnotherScheme_OrByAMixOfSchemes_HasNoToken(string ticketSchemes)
    {
        var context = Authenticated(ticketSchemes, "Bearer " + Jwt);

        Assert.Null(RequestBearerToken.Read(context, Schemes, out var reason));
        Assert.Equal(NoSubjectReason.NotBearerScheme, reason);
    }

    [Fact]
    public void AnUnauthenticatedRequest_HasNoToken_WhateverItsHeaderSays()
    {
        var noResult = new DefaultHttpContext();
        noResult.Request.Headers.Authorization = "Bearer " + Jwt;

        var failed = new DefaultHttpContext();
        failed.Request.Headers.Authorization = "Bearer " + Jwt;
        failed.Features.Set<IAuthenticateResultFeature>(new ResultFeature(AuthenticateResult.Fail("invalid token")));

        var anonymousIdentity = Authenticated("Bearer", "Bearer " + Jwt, new ClaimsPrincipal(new ClaimsIdentity()));

        // The user was replaced after authentication (e.g. by other middleware): the token no longer proves who it is.
        var replaced = Authenticated("Bearer", "Bearer " + Jwt);
        replaced.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "mallory")], "Custom"));

        foreach (var context in new[] { noResult, failed, anonymousIdentity, replaced })
        {
            Assert.Null(RequestBearerToken.Read(context, Schemes, out var reason));
            Assert.Equal(NoSubjectReason.NotAuthenticated, reason);
        }
    }

    [Fact]
    public void TheSavedToken_WinsOverTheHeader()
    {
        var properties = new AuthenticationProperties();
        properties.StoreTokens([new AuthenticationToken { Name = "access_token", Value = Jwt }]);
        var context = Authenticated("Bearer", "Bearer other.header.token", properties: properties);

        Assert.Equal(Jwt, RequestBearerToken.Read(context, Schemes, out _));
    }

    [Fact]
    public void AMalformedSavedToken_GivesNoToken_NotTheHeaders()
    {
        var properties = new AuthenticationProperties();
        properties.StoreTokens([new AuthenticationToken { Name = "access_token", Value = "a\u0001b" }]);
        var context = Authenticated("Bearer", "Bearer " + Jwt, properties: properties);

        Assert.Null(RequestBearerToken.Read(context, Schemes, out var reason));
        Assert.Equal(NoSubjectReason.NotBearerCredentials, reason);
    }

    [Fact]
    public void TheAccessor_PrefersAnEnclosingKeycardSubjectUse_AndHasNothingOutsideARequest()
    {
        var http = new HttpContextAccessor();
        var accessor = new HttpContextSubjectTokenAccessor(http, Schemes, NullLogger<HttpContextSubjectTokenAccessor>.Instance);

        Assert.Null(accessor.GetSubjectToken());
        using (KeycardSubject.Use("explicit"))
        {
            Assert.Equal("explicit", accessor.GetSubjectToken());
        }

        http.HttpContext = Authenticated("Bearer", "Bearer " + Jwt);
        Assert.Equal(Jwt, accessor.GetSubjectToken());
        using (KeycardSubject.Use("explicit"))
        {
            Assert.Equal("explicit", accessor.GetSubjectToken());
        }

        http.HttpContext = null;
        Assert.Null(accessor.GetSubjectToken());
    }

    private static DefaultHttpContext Authenticated(string ticketSchemes, string authorization, ClaimsPrincipal? principal = null, AuthenticationProperties? properties = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = authorization;
        principal ??= new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "AuthenticationTypes.Federation"));
        context.User = principal;
        var ticket = new AuthenticationTicket(principal, properties ?? new AuthenticationProperties(), ticketSchemes);
        context.Features.Set<IAuthenticateResultFeature>(new ResultFeature(AuthenticateResult.Success(ticket)));
        return context;
    }

    private static BearerSchemes CreateSchemes()
    {
        var authentication = new AuthenticationOptions();
        authentication.AddScheme<JwtBearerHandler>(JwtBearerDefaults.AuthenticationScheme, null);
        authentication.AddScheme<JwtBearerHandler>("SecondJwt", null);
        authentication.AddScheme<CookieAuthenticationHandler>(CookieAuthenticationDefaults.AuthenticationScheme, null);
        var options = new KeycardHttpContextSubjectOptions();
        options.BearerSchemes.Add("Introspection");
        return new BearerSchemes(Options.Create(authentication), Options.Create(options));
    }

    private sealed class ResultFeature(AuthenticateResult result) : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;
    }
}
