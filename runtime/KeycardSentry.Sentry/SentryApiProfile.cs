using System.Net;
using System.Text.Json;
using KeycardSentry.Internal;

namespace KeycardSentry.Sentry;

/// <summary>
/// What the Keycard token handler needs to know about Sentry: its error bodies (<c>{"detail": "..."}</c> or
/// <c>{"detail": {"code": ..., "message": ...}}</c>), its rate-limit header <c>X-Sentry-Rate-Limit-Reset</c> (UTC epoch
/// seconds), and Keycard's troubleshooting advice for its 401 and 403.
/// </summary>
internal sealed class SentryApiProfile : KeycardApiProfile
{
    public const string RateLimitResetHeader = "X-Sentry-Rate-Limit-Reset";

    public static SentryApiProfile Instance { get; } = new();

    public override string? ReadErrorDetail(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("detail", out var detail))
            {
                return base.ReadErrorDetail(body);
            }

            return detail.ValueKind switch
            {
                JsonValueKind.String => detail.GetString(),
                JsonValueKind.Object => Nested(detail),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override TimeSpan? RequestedRetryDelay(HttpResponseMessage response, DateTimeOffset now)
    {
        if (base.RequestedRetryDelay(response, now) is { } retryAfter)
        {
            return retryAfter;
        }

        return response.Headers.TryGetValues(RateLimitResetHeader, out var values)
            ? RetryDelays.UntilEpochSeconds(values.FirstOrDefault(), now)
            : null;
    }

    public override KeycardScopeException ScopeRefused(ApiRefusal refusal) =>
        new SentryScopeException(
            refusal.StatusCode is null
                ? refusal.DescribeScopes().Replace("the resource in Keycard", "the Sentry resource in Keycard (and the Sentry application)", StringComparison.Ordinal)
                    .Replace("the API's Scopes option", "SentryApi:Scopes", StringComparison.Ordinal)
                : refusal.DescribeScopes().Replace("was answered", "was answered by Sentry", StringComparison.Ordinal) +
                  " Check the scopes of the Sentry application Keycard uses, the scopes of the Sentry resource in Keycard, and that org:read is granted for the organizations endpoints.",
            refusal.StatusCode,
            refusal.RequiredScopes,
            refusal.GrantedScopes,
            refusal.Detail,
            refusal.Method);

    public override KeycardAuthorizationException Unauthorized(ApiRefusal refusal) =>
        new SentryAuthorizationException(
            $"Sentry answered 401 ({refusal.Detail ?? "no detail"}) to {refusal.Method}, also with a freshly exchanged token: the Sentry token Keycard holds for this user is invalid or expired. " +
            "Re-connect the Sentry provider for this user in Keycard, then try again.",
            HttpStatusCode.Unauthorized,
            refusal.Detail,
            refusal.Method);

    private static string? Nested(JsonElement detail)
    {
        var code = detail.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var message = detail.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return (code, message) switch
        {
            (null, null) => null,
            (null, _) => message,
            (_, null) => code,
            _ => $"{code}: {message}",
        };
    }
}
