using System.Buffers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace KeycardSentry.AspNetCore;

/// <summary>Why a request gave no subject token (logged; never the header's value).</summary>
internal enum NoSubjectReason
{
    None,
    OutsideRequest,
    NotAuthenticated,
    NotBearerScheme,
    NoAuthorizationHeader,
    SeveralAuthorizationHeaders,
    NotBearerCredentials,
}

/// <summary>
/// Reads the bearer token of a request that ASP.NET Core authentication has validated. The rules, in order:
/// <list type="number">
/// <item>the authentication result recorded for the request (<see cref="IAuthenticateResultFeature"/>, set by
/// <c>UseAuthentication</c> for the default scheme and by authorization for an endpoint's schemes) succeeded, and its
/// principal is the request's <see cref="HttpContext.User"/>, with an authenticated identity;</item>
/// <item>every scheme that result names is a bearer scheme (<see cref="BearerSchemes"/>);</item>
/// <item>the token is the one the scheme saved (<c>SaveToken</c>, stored as <c>access_token</c>) when there is one,
/// otherwise the single <c>Authorization</c> header's <c>Bearer</c> credentials (scheme name in any case, RFC 9110 §11.1;
/// one space after it, then optional spaces or tabs around the token),
/// which must be an RFC 6750 <c>b64token</c> of at most <see cref="MaxTokenLength"/> characters.</item>
/// </list>
/// Nothing is kept: the token is read from the request each time it is asked for.
/// </summary>
internal static class RequestBearerToken
{
    /// <summary>Longer credentials are not taken as a subject token.</summary>
    public const int MaxTokenLength = 16 * 1024;

    private const string Bearer = "Bearer";

    // RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    private static readonly SearchValues<char> B64TokenChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");

    public static string? Read(HttpContext context, BearerSchemes schemes, out NoSubjectReason reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(schemes);

        var result = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult;
        if (result is not { Succeeded: true, Ticket: { } ticket }
            || !ReferenceEquals(ticket.Principal, context.User)
            || !context.User.Identities.Any(i => i.IsAuthenticated))
        {
            reason = NoSubjectReason.NotAuthenticated;
            return null;
        }

        if (!schemes.AreAllBearer(ticket.AuthenticationScheme))
        {
            reason = NoSubjectReason.NotBearerScheme;
            return null;
        }

        // SaveToken: exactly the token the scheme validated, wherever it read it from (header, query, event).
        if (ticket.Properties.GetTokenValue("access_token") is { } saved)
        {
            reason = IsB64Token(saved) ? NoSubjectReason.None : NoSubjectReason.NotBearerCredentials;
            return reason == NoSubjectReason.None ? saved : null;
        }

        return FromAuthorizationHeader(context.Request.Headers.Authorization, out reason);
    }

    /// <summary>The token of a single <c>Authorization: Bearer &lt;b64token&gt;</c> header, or null with the reason.</summary>
    public static string? FromAuthorizationHeader(StringValues values, out NoSubjectReason reason)
    {
        if (values.Count == 0)
        {
            reason = NoSubjectReason.NoAuthorizationHeader;
            return null;
        }

        if (values.Count > 1)
        {
            reason = NoSubjectReason.SeveralAuthorizationHeaders;
            return null;
        }

        // credentials = auth-scheme [ 1*SP token68 ]; the scheme name is case-insensitive.
        var value = values[0].AsSpan();
        if (value.Length <= Bearer.Length
            || !value[..Bearer.Length].Equals(Bearer, StringComparison.OrdinalIgnoreCase)
            || value[Bearer.Length] != ' ')
        {
            reason = NoSubjectReason.NotBearerCredentials;
            return null;
        }

        var token = value[Bearer.Length..].Trim(" \t"); // optional whitespace around the token (SP / HTAB)
        if (!IsB64Token(token))
        {
            reason = NoSubjectReason.NotBearerCredentials;
            return null;
        }

        reason = NoSubjectReason.None;
        return token.ToString();
    }

    private static bool IsB64Token(ReadOnlySpan<char> token)
    {
        if (token.IsEmpty || token.Length > MaxTokenLength)
        {
            return false;
        }

        var end = token.IndexOfAnyExcept(B64TokenChars);
        if (end == 0)
        {
            return false;
        }

        return end < 0 || !token[end..].ContainsAnyExcept('=');
    }
}
