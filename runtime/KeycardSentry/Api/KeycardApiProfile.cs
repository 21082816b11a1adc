using System.Net;
using System.Text.Json;
using KeycardSentry.Internal;

namespace KeycardSentry;

/// <summary>
/// What the generic <c>KeycardTokenHandler</c> needs to know about one API: how its error bodies say what went wrong,
/// what to advise when it refuses a call, and how long a 429 asks to wait. The defaults fit an OAuth-style API; an SDK
/// overrides them (the Sentry SDK's profile reads Sentry's <c>detail</c> and <c>X-Sentry-Rate-Limit-Reset</c>).
/// </summary>
public class KeycardApiProfile
{
    /// <summary>The profile with the defaults.</summary>
    public static KeycardApiProfile Default { get; } = new();

    /// <summary>
    /// The error detail in a 401/403 body, or null. The default reads a top-level string <c>detail</c>, <c>message</c>,
    /// <c>error_description</c> or <c>error</c>. The handler bounds and escapes whatever this returns.
    /// </summary>
    /// <param name="body">The start of the body (at most 16 KB).</param>
    public virtual string? ReadErrorDetail(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var name in (ReadOnlySpan<string>)["detail", "message", "error_description", "error"])
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The wait a 429 asks for, or null for none (exponential back-off from 1 s applies). The default reads
    /// <c>Retry-After</c> (seconds or an HTTP date). Implementations must return null for absurd values.
    /// </summary>
    public virtual TimeSpan? RequestedRetryDelay(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - now : null);
        return wait is { } w ? RetryDelays.Bound(w) : null;
    }

    /// <summary>The exception for a call refused for its scopes, before sending (<see cref="ApiRefusal.StatusCode"/> null) or with 403.</summary>
    public virtual KeycardScopeException ScopeRefused(ApiRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new KeycardScopeException(refusal.DescribeScopes(), refusal.StatusCode, refusal.RequiredScopes, refusal.GrantedScopes, refusal.Detail, refusal.Method);
    }

    /// <summary>The exception when the API answered 401 also to a freshly exchanged token.</summary>
    public virtual KeycardAuthorizationException Unauthorized(ApiRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new KeycardAuthorizationException(
            $"{refusal.Method} was answered 401 ({refusal.Detail ?? "no detail"}), also with a freshly exchanged token: the grant Keycard holds for this user " +
            "is invalid or expired. Re-connect the API's provider for this user in Keycard, then try again.",
            HttpStatusCode.Unauthorized,
            refusal.Detail,
            refusal.Method);
    }
}

/// <summary>What the handler knows when an API refuses a call (or it refuses one before sending).</summary>
/// <param name="Method">The API method (<c>Interface.Method</c> or <c>VERB /path</c>).</param>
/// <param name="StatusCode">The HTTP status; null when refused before sending.</param>
/// <param name="Detail">The API's error detail, bounded and escaped; null when none.</param>
/// <param name="RequiredScopes">The scopes of which any one allows the method (empty when unknown).</param>
/// <param name="GrantedScopes">The token's scopes as Keycard reported them.</param>
/// <param name="ExpandedScopes">The granted scopes expanded through the catalog's implications.</param>
/// <param name="RequiredKnown">True when the method is in the catalog.</param>
public sealed record ApiRefusal(
    string Method,
    HttpStatusCode? StatusCode,
    string? Detail,
    IReadOnlyList<string> RequiredScopes,
    IReadOnlyList<string> GrantedScopes,
    IReadOnlyList<string> ExpandedScopes,
    bool RequiredKnown)
{
    /// <summary>A plain description of a scope refusal (what an SDK's profile prefixes with its own advice).</summary>
    public string DescribeScopes() =>
        StatusCode is null
            ? $"{Method} needs one of [{string.Join(' ', RequiredScopes)}], but the token Keycard issued has [{string.Join(' ', GrantedScopes)}] " +
              $"(which implies [{string.Join(' ', ExpandedScopes)}]). No request was sent. Grant one of the required scopes to the resource in Keycard, or request it through the API's Scopes option."
            : $"{Method} was answered {(int)StatusCode} ({Detail ?? "no detail"}). " +
              (RequiredKnown ? $"The method needs one of [{string.Join(' ', RequiredScopes)}]; " : "The method's required scopes are not in the catalog; ") +
              $"the token has [{string.Join(' ', GrantedScopes)}].";
}
