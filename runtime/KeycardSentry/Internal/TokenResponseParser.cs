using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Unicode;
using KeycardSentry.Internal.ClientAuthentication;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// Turns what the token endpoint answered into a token, or into a <see cref="KeycardExchangeException"/>, strictly:
/// anything doubtful is refused (<c>invalid_response</c>), so it is never cached.
/// </summary>
/// <remarks>
/// Rules (RFC 6749 §5.1 and Appendix A, RFC 6750 §2.1, RFC 8693 §2.2.1): the body is at most <see cref="MaxBodyBytes"/>
/// of UTF-8 JSON (a leading UTF-8 BOM is ignored, as RFC 8259 §8.1 allows), an object, nested at most
/// <see cref="MaxJsonDepth"/> levels, without a repeated member. <c>access_token</c>: a string of RFC 6750
/// <c>b64token</c> characters, at most <see cref="MaxAccessTokenLength"/> long. <c>expires_in</c>: a JSON number, finite,
/// not negative, below 2^63 seconds, clamped to <see cref="KeycardOptions.MaxTokenLifetime"/>; when missing,
/// <see cref="KeycardOptions.DefaultTokenLifetime"/> (also clamped). <c>token_type</c>: <c>Bearer</c> (any case).
/// <c>scope</c>: space-separated RFC 6749 scope tokens. <c>refresh_token</c> and <c>issued_token_type</c>: VSCHAR.
/// A member that is present must have its type; <c>null</c> is not a value. A 2xx with <c>error</c> is not a token.
/// Error bodies: <c>error</c> must be RFC 6749 error characters and <c>error_description</c>/<c>error_uri</c> strings,
/// else the answer counts as one without an OAuth body. Unknown members are ignored.
/// </remarks>
internal sealed class TokenResponseParser
{
    /// <summary>The largest body read from the token endpoint, 64 KiB; a larger one is refused unread.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The longest <c>access_token</c> accepted, 16 KiB characters.</summary>
    public const int MaxAccessTokenLength = 16 * 1024;

    /// <summary>How deep the JSON may nest; a token response is flat.</summary>
    public const int MaxJsonDepth = 32;

    /// <summary><c>expires_in</c> at or above 2^63 seconds is not a lifetime but garbage.</summary>
    private const double ExpiresInCeiling = 9_223_372_036_854_775_808d;

    private static readonly JsonDocumentOptions JsonOptions = new() { AllowDuplicateProperties = false, MaxDepth = MaxJsonDepth };

    private readonly TimeSpan _defaultLifetime;
    private readonly TimeSpan _maxLifetime;
    private readonly TimeProvider _timeProvider;
    private readonly string _invalidClientHint;

    public TokenResponseParser(IOptions<KeycardOptions> options, TimeProvider timeProvider, IClientAuthentication clientAuthentication)
    {
        var value = options.Value;
        _maxLifetime = value.MaxTokenLifetime;
        _defaultLifetime = value.DefaultTokenLifetime < _maxLifetime ? value.DefaultTokenLifetime : _maxLifetime;
        _timeProvider = timeProvider;
        _invalidClientHint = clientAuthentication.InvalidClientHint;
    }

    /// <summary>Parses one answer of the token endpoint.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="body">The body as read (at most <see cref="MaxBodyBytes"/>).</param>
    /// <param name="bodyTooLarge">True when the body was longer than <see cref="MaxBodyBytes"/> and not read.</param>
    /// <param name="requestedScopes">The scopes asked for: the token's scopes when the answer has no <c>scope</c>.</param>
    /// <exception cref="KeycardExchangeException">Always, unless a valid token response came.</exception>
    public KeycardExchangeResponse Parse(HttpStatusCode status, ReadOnlyMemory<byte> body, bool bodyTooLarge, IReadOnlyList<string> requestedScopes)
    {
        var success = (int)status is >= 200 and <= 299;
        if (bodyTooLarge)
        {
            throw success
                ? TokenEndpointErrors.InvalidResponse(status, $"a body over {MaxBodyBytes / 1024} KiB")
                : TokenEndpointErrors.WithoutOAuthBody(status);
        }

        using var document = TryParse(body, out var problem);
        var root = document?.RootElement;
        if (!success)
        {
            throw root is { ValueKind: JsonValueKind.Object } error && TryReadOAuthError(error) is { } oauth
                ? TokenEndpointErrors.OAuthError(status, oauth, _invalidClientHint)
                : TokenEndpointErrors.WithoutOAuthBody(status);
        }

        if (root is not { ValueKind: JsonValueKind.Object } response)
        {
            throw TokenEndpointErrors.InvalidResponse(status, problem ?? $"a JSON {Describe(root!.Value.ValueKind)} instead of an object");
        }

        if (response.TryGetProperty("error", out _))
        {
            throw TokenEndpointErrors.ErrorInsteadOfToken(status, TryReadOAuthError(response), _invalidClientHint);
        }

        return ReadToken(status, response, requestedScopes);
    }

    private KeycardExchangeResponse ReadToken(HttpStatusCode status, JsonElement response, IReadOnlyList<string> requestedScopes)
    {
        var accessToken = Read(status, response, "access_token") ?? throw TokenEndpointErrors.InvalidResponse(status, "no access_token");
        if (accessToken.Length > MaxAccessTokenLength)
        {
            throw TokenEndpointErrors.InvalidResponse(status, $"an access_token of {accessToken.Length} characters (at most {MaxAccessTokenLength} are accepted)");
        }

        if (!OAuthSyntax.IsB64Token(accessToken))
        {
            // Never echo the token: say only what kind of character broke the rule.
            throw TokenEndpointErrors.InvalidResponse(status, $"an access_token that is not an RFC 6750 b64token ({(accessToken.Length == 0 ? "empty" : accessToken.Any(char.IsControl) ? "it contains control characters" : "it contains characters outside A-Z a-z 0-9 - . _ ~ + / and trailing =")})");
        }

        if (Read(status, response, "token_type") is { } tokenType && !string.Equals(tokenType, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw TokenEndpointErrors.InvalidResponse(status, $"token_type '{MessageText.Sanitize(tokenType, 64)}': only Bearer tokens can be used");
        }

        var lifetime = ReadLifetime(status, response);
        var scopes = ReadScopes(status, response) ?? requestedScopes;

        var issuedTokenType = Read(status, response, "issued_token_type");
        if (issuedTokenType is not null && !OAuthSyntax.IsVsChars(issuedTokenType))
        {
            throw TokenEndpointErrors.InvalidResponse(status, "an issued_token_type that is empty or has characters outside printable ASCII");
        }

        var refreshToken = Read(status, response, "refresh_token");
        if (refreshToken is not null && !OAuthSyntax.IsVsChars(refreshToken))
        {
            throw TokenEndpointErrors.InvalidResponse(status, "a refresh_token that is empty or has characters outside printable ASCII (RFC 6749 VSCHAR)");
        }

        var token = new KeycardToken(accessToken, "Bearer", _timeProvider.GetUtcNow() + lifetime, scopes, issuedTokenType);
        return new KeycardExchangeResponse(token, refreshToken);
    }

    private TimeSpan ReadLifetime(HttpStatusCode status, JsonElement response)
    {
        if (!response.TryGetProperty("expires_in", out var expiresIn))
        {
            return _defaultLifetime;
        }

        // A whole number that fits a long is a lifetime however large (it is clamped); other numbers must be finite and
        // below 2^63 (JSON has no Infinity or NaN literals, and a number too large for a double parses as infinite).
        double seconds = expiresIn.ValueKind != JsonValueKind.Number ? double.NaN
            : expiresIn.TryGetInt64(out var whole) ? Math.Min(whole, ExpiresInCeiling / 2)
            : expiresIn.TryGetDouble(out var real) ? real
            : double.NaN;
        if (!double.IsFinite(seconds) || seconds < 0 || seconds >= ExpiresInCeiling)
        {
            var shown = expiresIn.ValueKind == JsonValueKind.Number ? MessageText.Sanitize(expiresIn.GetRawText(), 32) : Describe(expiresIn.ValueKind);
            throw TokenEndpointErrors.InvalidResponse(status, $"expires_in {shown}: it must be a finite, non-negative number of seconds below 2^63");
        }

        // Compare in seconds before building a TimeSpan: TimeSpan.FromSeconds overflows long before 2^63.
        return seconds >= _maxLifetime.TotalSeconds ? _maxLifetime : TimeSpan.FromSeconds(seconds);
    }

    private static string[]? ReadScopes(HttpStatusCode status, JsonElement response)
    {
        if (Read(status, response, "scope") is not { } scope)
        {
            return null;
        }

        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!scopes.All(s => OAuthSyntax.IsScopeToken(s)))
        {
            throw TokenEndpointErrors.InvalidResponse(status, $"scope '{MessageText.Sanitize(scope, 128)}': it must be space-separated RFC 6749 scope tokens");
        }

        return scopes;
    }

    /// <summary>A string member, or null when absent; any other type (null included) is an invalid response.</summary>
    private static string? Read(HttpStatusCode status, JsonElement response, string name) => TryReadString(response, name, out var value) switch
    {
        Member.Absent => null,
        Member.String => value,
        _ => throw TokenEndpointErrors.InvalidResponse(status, $"'{name}' as {(response.GetProperty(name).ValueKind == JsonValueKind.String ? "undecodable text (an escaped lone surrogate)" : Describe(response.GetProperty(name).ValueKind))} instead of a string"),
    };

    private static OAuthErrorBody? TryReadOAuthError(JsonElement body)
    {
        if (TryReadString(body, "error", out var error) != Member.String
            || error!.Length > MessageText.MaxLength
            || !OAuthSyntax.IsErrorCode(error)
            || TryReadString(body, "error_description", out var description) == Member.Invalid
            || TryReadString(body, "error_uri", out var uri) == Member.Invalid)
        {
            return null;
        }

        return new OAuthErrorBody(error, MessageText.Sanitize(description), MessageText.Sanitize(uri));
    }

    private static Member TryReadString(JsonElement body, string name, out string? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var member))
        {
            return Member.Absent;
        }

        if (member.ValueKind != JsonValueKind.String)
        {
            return Member.Invalid;
        }

        try
        {
            value = member.GetString();
            return Member.String;
        }
        catch (InvalidOperationException)
        {
            return Member.Invalid; // an escaped lone surrogate: not text
        }
    }

    private static JsonDocument? TryParse(ReadOnlyMemory<byte> body, out string? problem)
    {
        problem = null;
        if (body.Span.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.IsEmpty)
        {
            problem = "an empty body";
            return null;
        }

        if (!Utf8.IsValid(body.Span))
        {
            problem = "a body that is not UTF-8";
            return null;
        }

        try
        {
            return JsonDocument.Parse(body, JsonOptions);
        }
        catch (JsonException ex)
        {
            problem = string.Create(
                CultureInfo.InvariantCulture,
                $"a body that is not well-formed JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: truncated, not JSON, nested deeper than {MaxJsonDepth} levels or with a repeated member)");
            return null;
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "not a value",
    };

    private enum Member
    {
        Absent,
        String,
        Invalid,
    }
}
