using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace KeycardSentry.Testing;

/// <summary>One token-endpoint answer that no client may take for a token.</summary>
/// <param name="Kind">What is wrong with it, e.g. <c>wrong-type expires_in="Infinity"</c> (short, for test output).</param>
/// <param name="Response">The answer, ready for <see cref="LocalKeycardZone.EnqueueFault"/> or <see cref="LocalKeycardZone.FaultHook"/>.</param>
public sealed record MalformedTokenResponse(string Kind, FaultResponse Response)
{
    /// <summary>The kind only.</summary>
    public override string ToString() => Kind;
}

/// <summary>
/// A seeded generator of token-endpoint answers that must be refused (RFC 6749 §5.1, RFC 6750 §2.1, RFC 8693 §2.2.1):
/// truncated JSON; every field with a wrong type; extreme or non-finite <c>expires_in</c>; control characters, CR/LF/NUL
/// and non-<c>b64token</c> characters in <c>access_token</c>; control characters in the other fields; token types other
/// than Bearer; HTML, empty and non-object 200s; bodies over 64 KiB and tokens over 16 KiB; BOMs, UTF-16/32 and invalid
/// UTF-8; nesting bombs; repeated members; 200s with <c>error</c>; and non-2xx answers with broken error bodies.
/// </summary>
/// <remarks>
/// The same seed and count give the same answers. Kinds are taken in turn, so any <c>count</c> of at least
/// <see cref="KindCount"/> covers every kind; the details within a kind are drawn from the seeded random.
/// </remarks>
public static class MalformedTokenResponses
{
    private const string B64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly Func<Random, MalformedTokenResponse>[] Kinds =
    [
        Truncated, WrongType, ExtremeExpiresIn, ControlCharacterInAccessToken, NonB64TokenAccessToken, BadCharacterInOtherField,
        NotBearer, NotATokenBody, HugeBody, BadEncoding, DepthBomb, RepeatedMember, ErrorInSuccess, MissingAccessToken, BrokenErrorBody,
    ];

    /// <summary>How many kinds there are.</summary>
    public static int KindCount => Kinds.Length;

    /// <summary>Generates <paramref name="count"/> malformed answers from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<MalformedTokenResponse> Generate(int seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var responses = new List<MalformedTokenResponse>(count);
        for (var i = 0; i < count; i++)
        {
            responses.Add(Kinds[i % Kinds.Length](random));
        }

        return responses;
    }

    /// <summary>A random, valid RFC 6750 <c>b64token</c>.</summary>
    public static string RandomB64Token(Random random, int length)
    {
        ArgumentNullException.ThrowIfNull(random);
        return string.Create(length, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = B64Alphabet[r.Next(B64Alphabet.Length)];
            }
        });
    }

    private static Dictionary<string, object?> ValidFields(Random random) => new(StringComparer.Ordinal)
    {
        ["access_token"] = "kc_at_" + RandomB64Token(random, random.Next(16, 64)),
        ["issued_token_type"] = LocalKeycardZone.AccessTokenType,
        ["token_type"] = "Bearer",
        ["expires_in"] = random.Next(60, 7200),
        ["scope"] = "org:read event:read",
    };

    private static string Serialize(object? value) => JsonSerializer.Serialize(value, Json);

    private static MalformedTokenResponse Ok(string kind, string json) => new(kind, FaultResponse.Ok(json));

    private static MalformedTokenResponse With(Random random, string kind, string field, object? value)
    {
        var fields = ValidFields(random);
        fields[field] = value;
        return Ok(kind, Serialize(fields));
    }

    /// <summary>A member whose JSON value is written as-is (for literals a serializer would not produce).</summary>
    private static MalformedTokenResponse WithRaw(Random random, string kind, string field, string rawValue)
    {
        var fields = ValidFields(random);
        fields.Remove(field);
        var json = Serialize(fields);
        return Ok(kind, json[..^1] + $",\"{field}\":{rawValue}}}");
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static MalformedTokenResponse Truncated(Random random)
    {
        var json = Serialize(ValidFields(random));
        var cut = random.Next(1, json.Length - 1);
        return Ok($"truncated at {cut} of {json.Length}", json[..cut]);
    }

    private static readonly string[] StringFields = ["access_token", "token_type", "scope", "issued_token_type", "refresh_token"];
    private static readonly string[] WrongForString = ["5", "1e300", "-1", "true", "false", "null", "[]", "[\"org:read\"]", "{}", "{\"value\":\"x\"}"];
    private static readonly string[] WrongForExpiresIn = ["\"3600\"", "\"Infinity\"", "\"NaN\"", "\"-0\"", "\"1e-300\"", "\"1e300\"", "true", "false", "null", "[3600]", "{\"seconds\":3600}", "\"\""];

    private static MalformedTokenResponse WrongType(Random random)
    {
        if (random.Next(StringFields.Length + 1) == 0)
        {
            var value = Pick(random, WrongForExpiresIn);
            return WithRaw(random, $"wrong-type expires_in={value}", "expires_in", value);
        }

        var field = Pick(random, StringFields);
        var wrong = Pick(random, WrongForString);
        return WithRaw(random, $"wrong-type {field}={wrong}", field, wrong);
    }

    private static readonly string[] ExtremeNumbers =
    [
        "1e300", "-1e300", "-1", "-0.5", "-1e-300", "1e309", "-1e309", "123456789012345678901234567890", "9223372036854775808",
        "18446744073709551616", "1e19", "1E400", "-9223372036854775808", "Infinity", "-Infinity", "NaN", "0x10", "01", "+5", ".5", "5.", "1e", "--1",
    ];

    private static MalformedTokenResponse ExtremeExpiresIn(Random random)
    {
        var value = Pick(random, ExtremeNumbers);
        return WithRaw(random, $"expires_in {value}", "expires_in", value);
    }

    private static readonly string[] ControlCharacters = ["\r\n", "\n", "\r", "\0", "\t", "\u0001", "\u001b", "\u007f", "\u0085", "\u2028", "\u200b", "\u00a0", "\r\nX-Injected: 1"];

    private static string Insert(Random random, string text, string insert)
    {
        var at = random.Next(0, text.Length + 1);
        return text[..at] + insert + text[at..];
    }

    private static MalformedTokenResponse ControlCharacterInAccessToken(Random random)
    {
        var insert = Pick(random, ControlCharacters);
        var token = Insert(random, "kc_at_" + RandomB64Token(random, 40), insert);
        return With(random, $"access_token with U+{(int)insert[0]:X4}", "access_token", token);
    }

    private static readonly string[] NonB64Characters = [" ", ",", ";", "\"", "\\", "@", "(", ")", "<", ">", "{", "}", "%", "!", "#", "$", "&", "*", ":", "?", "[", "]", "^", "`", "|", "'", "é", "€", "😀"];

    private static MalformedTokenResponse NonB64TokenAccessToken(Random random)
    {
        var token = "kc_at_" + RandomB64Token(random, 32);
        return random.Next(6) switch
        {
            0 => With(random, "access_token with '=' inside", "access_token", Insert(random, token, "=")[..^1] + "x"),
            1 => With(random, "access_token of '=' only", "access_token", new string('=', random.Next(1, 5))),
            2 => With(random, "empty access_token", "access_token", ""),
            3 => With(random, "blank access_token", "access_token", new string(' ', random.Next(1, 5))),
            _ => NonB64Character(random, token),
        };

        static MalformedTokenResponse NonB64Character(Random random, string token)
        {
            var c = Pick(random, NonB64Characters);
            return With(random, $"access_token with '{c}'", "access_token", Insert(random, token, c));
        }
    }

    private static MalformedTokenResponse BadCharacterInOtherField(Random random)
    {
        var control = Pick(random, ControlCharacters);
        return random.Next(8) switch
        {
            0 => With(random, "token_type with control characters", "token_type", "Bearer" + control),
            1 => With(random, "scope with control characters", "scope", Insert(random, "org:read event:read", control)),
            2 => With(random, "scope with a quote", "scope", "org:read \"event:read\""),
            3 => With(random, "scope with a backslash", "scope", "org:read event\\read"),
            4 => With(random, "refresh_token with control characters", "refresh_token", Insert(random, "kc_rt_" + RandomB64Token(random, 20), control)),
            5 => With(random, "empty refresh_token", "refresh_token", ""),
            6 => With(random, "issued_token_type with control characters", "issued_token_type", LocalKeycardZone.AccessTokenType + control),
            _ => With(random, "empty issued_token_type", "issued_token_type", ""),
        };
    }

    private static readonly string[] OtherTokenTypes = ["mac", "N_A", "DPoP", "Basic", "bearer ", " Bearer", "", "Bearer2", "Beare", "pop"];

    private static MalformedTokenResponse NotBearer(Random random)
    {
        var type = Pick(random, OtherTokenTypes);
        return With(random, $"token_type \"{type}\"", "token_type", type);
    }

    private static readonly (string Kind, string Body, string ContentType)[] NotTokens =
    [
        ("HTML 200", "<html><head><title>Sign in</title></head><body><form>login</form></body></html>", "text/html"),
        ("empty 200 (json)", "", "application/json"),
        ("empty 200 (no content type)", "", ""),
        ("whitespace 200", " \r\n\t ", "application/json"),
        ("null", "null", "application/json"),
        ("array", "[{\"access_token\":\"abc\"}]", "application/json"),
        ("string", "\"abc\"", "application/json"),
        ("number", "42", "application/json"),
        ("boolean", "true", "application/json"),
        ("empty object", "{}", "application/json"),
        ("trailing text", "{\"access_token\":\"abc\",\"token_type\":\"Bearer\"} trailing", "application/json"),
        ("two objects", "{\"access_token\":\"abc\"}{\"access_token\":\"def\"}", "application/json"),
        ("comment", "{\"access_token\":\"abc\" /* c */,\"token_type\":\"Bearer\"}", "application/json"),
        ("trailing comma", "{\"access_token\":\"abc\",\"token_type\":\"Bearer\",}", "application/json"),
        ("single quotes", "{'access_token':'abc','token_type':'Bearer'}", "application/json"),
        ("unquoted keys", "{access_token:\"abc\",token_type:\"Bearer\"}", "application/json"),
        ("XML", "<?xml version=\"1.0\"?><token><access_token>abc</access_token></token>", "application/xml"),
        ("form-encoded", "access_token=abc&token_type=Bearer&expires_in=3600", "application/x-www-form-urlencoded"),
        ("non-breaking space before JSON", "\u00a0{\"access_token\":\"abc\",\"token_type\":\"Bearer\"}", "application/json"),
    ];

    private static MalformedTokenResponse NotATokenBody(Random random)
    {
        var (kind, body, contentType) = Pick(random, NotTokens);
        return new MalformedTokenResponse(kind, new FaultResponse(200, body, contentType));
    }

    private static MalformedTokenResponse HugeBody(Random random)
    {
        var fields = ValidFields(random);
        switch (random.Next(5))
        {
            case 0:
                var padded = Serialize(fields)[..^1] + new string(' ', random.Next(64 * 1024, 256 * 1024)) + "}";
                return Ok($"{padded.Length}-byte body (whitespace)", padded);
            case 1:
                fields["padding"] = new string('x', random.Next(64 * 1024, 1024 * 1024));
                var bytes = Encoding.UTF8.GetBytes(Serialize(fields));
                return new MalformedTokenResponse($"{bytes.Length}-byte body with Content-Length", FaultResponse.Raw(200, bytes));
            case 2:
                fields["access_token"] = RandomB64Token(random, random.Next(16 * 1024 + 1, 60 * 1024));
                return Ok($"access_token of {((string)fields["access_token"]!).Length} characters", Serialize(fields));
            case 3:
                for (var i = 0; i < 6000; i++)
                {
                    fields["m" + i] = i;
                }

                var many = Serialize(fields);
                return Ok($"{many.Length}-byte body of many members", many);
            default:
                var page = "<html><body>" + new string('x', random.Next(64 * 1024, 512 * 1024)) + "</body></html>";
                return new MalformedTokenResponse($"{page.Length}-byte HTML 200", new FaultResponse(200, page, "text/html"));
        }
    }

    private static MalformedTokenResponse BadEncoding(Random random)
    {
        var json = Serialize(ValidFields(random));
        byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
        return random.Next(9) switch
        {
            0 => Raw("UTF-16LE with BOM", Concat([0xFF, 0xFE], Encoding.Unicode.GetBytes(json))),
            1 => Raw("UTF-16BE with BOM", Concat([0xFE, 0xFF], Encoding.BigEndianUnicode.GetBytes(json))),
            2 => Raw("UTF-32LE with BOM", Concat([0xFF, 0xFE, 0x00, 0x00], Encoding.UTF32.GetBytes(json))),
            3 => Raw("UTF-16LE without BOM", Encoding.Unicode.GetBytes(json)),
            4 => Raw("UTF-8 BOM then truncated JSON", Concat([0xEF, 0xBB, 0xBF], Encoding.UTF8.GetBytes(json[..random.Next(1, json.Length - 1)]))),
            5 => Raw("two UTF-8 BOMs", Concat([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF], Encoding.UTF8.GetBytes(json))),
            6 => Raw("invalid UTF-8 in access_token", Splice(json, "kc_at_", [0xC3, 0x28])),
            7 => Raw("overlong UTF-8 in access_token", Splice(json, "kc_at_", [0xC0, 0xAF])),
            _ => WithRaw(random, "escaped lone surrogate in access_token", "access_token", "\"kc_at_\\ud800abc\""),
        };

        static MalformedTokenResponse Raw(string kind, byte[] body) => new(kind, FaultResponse.Raw(200, body));

        static byte[] Splice(string json, string after, byte[] bytes)
        {
            var at = Encoding.UTF8.GetByteCount(json[..(json.IndexOf(after, StringComparison.Ordinal) + after.Length)]);
            var utf8 = Encoding.UTF8.GetBytes(json);
            return [.. utf8[..at], .. bytes, .. utf8[at..]];
        }
    }

    private static MalformedTokenResponse DepthBomb(Random random)
    {
        var depth = random.Next(33, 20_000);
        return random.Next(3) switch
        {
            0 => WithRaw(random, $"array nested {depth} deep", "extra", new string('[', depth) + new string(']', depth)),
            1 => WithRaw(random, $"object nested {depth} deep", "extra", string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)),
            _ => Ok($"{depth} unclosed brackets", "{\"access_token\":\"abc\",\"extra\":" + new string('[', depth)),
        };
    }

    private static MalformedTokenResponse RepeatedMember(Random random)
    {
        var fields = ValidFields(random);
        fields["refresh_token"] = "kc_rt_" + RandomB64Token(random, 24);
        var field = Pick(random, new[] { "access_token", "expires_in", "token_type", "scope", "refresh_token" });
        var json = Serialize(fields);
        var repeat = field == "expires_in" ? "\"expires_in\":3600" : $"\"{field}\":\"{(field == "token_type" ? "Bearer" : "abc")}\"";
        return Ok($"{field} twice", "{" + repeat + "," + json[1..]);
    }

    private static readonly string[] ErrorValues = ["\"invalid_grant\"", "\"server_error\"", "5", "null", "\"\"", "true", "{\"code\":\"x\"}", "[\"invalid_grant\"]"];

    private static MalformedTokenResponse ErrorInSuccess(Random random)
    {
        var value = Pick(random, ErrorValues);
        return WithRaw(random, $"200 with error={value}", "error", value);
    }

    private static MalformedTokenResponse MissingAccessToken(Random random)
    {
        var fields = ValidFields(random);
        fields.Remove("access_token");
        return random.Next(3) switch
        {
            0 => Ok("no access_token", Serialize(fields)),
            1 => WithRaw(random, "access_token null", "access_token", "null"),
            _ => Ok("Access_Token (wrong case)", Serialize(fields)[..^1] + ",\"Access_Token\":\"abc\"}"),
        };
    }

    private static readonly (int Status, string Kind, string Body)[] BrokenErrors =
    [
        (400, "error 5", "{\"error\":5}"),
        (400, "error null", "{\"error\":null}"),
        (400, "error_description array", "{\"error\":\"invalid_grant\",\"error_description\":[\"x\"]}"),
        (400, "error_description number", "{\"error\":\"invalid_grant\",\"error_description\":1e300}"),
        (401, "error_uri object", "{\"error\":\"invalid_client\",\"error_uri\":{}}"),
        (400, "error with LF", "{\"error\":\"invalid_grant\\nX-Injected: 1\"}"),
        (400, "error with NUL", "{\"error\":\"invalid\\u0000grant\"}"),
        (400, "error with a quote", "{\"error\":\"invalid\\\"grant\"}"),
        (400, "error repeated", "{\"error\":\"invalid_grant\",\"error\":\"invalid_client\"}"),
        (400, "truncated error body", "{\"error\":\"invalid_gr"),
        (500, "error true", "{\"error\":true}"),
        (503, "HTML 503", "<html><body>Service Unavailable</body></html>"),
        (429, "empty 429", ""),
        (302, "redirect without body", ""),
        (204, "204 No Content", ""),
    ];

    private static MalformedTokenResponse BrokenErrorBody(Random random)
    {
        if (random.Next(6) == 0)
        {
            var code = new string('e', random.Next(257, 2000));
            return new MalformedTokenResponse($"400 with a {code.Length}-character error code", new FaultResponse(400, $"{{\"error\":\"{code}\"}}"));
        }

        var (status, kind, body) = Pick(random, BrokenErrors);
        return new MalformedTokenResponse($"{status} {kind}", new FaultResponse(status, body));
    }
}
