using System.Globalization;
using System.Net;
using System.Text;
using KeycardSentry.Internal;
using KeycardSentry.Internal.ClientAuthentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>The parser's rules one by one; <see cref="MalformedTokenResponseTests"/> runs the same through real HTTP.</summary>
public sealed class TokenResponseParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Token = "kc_at_0123456789abcdef";

    private static TokenResponseParser Parser(Action<KeycardOptions>? configure = null)
    {
        var options = new KeycardOptions { ZoneUrl = "https://z.keycard.cloud", ClientId = "app", ClientSecret = "s" };
        configure?.Invoke(options);
        return new TokenResponseParser(Options.Create(options), new FakeTimeProvider(Now), new ClientSecretBasicAuthentication("app", "s"));
    }

    private static KeycardExchangeResponse Parse(string json, HttpStatusCode status = HttpStatusCode.OK, Action<KeycardOptions>? configure = null) =>
        Parser(configure).Parse(status, Encoding.UTF8.GetBytes(json), bodyTooLarge: false, ["org:read"]);

    private static KeycardExchangeException Refused(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        Assert.Throws<KeycardExchangeException>(() => Parse(json, status));

    private static string Body(string expiresIn = "3600", string extra = "") =>
        $"{{\"access_token\":\"{Token}\",\"token_type\":\"Bearer\",\"expires_in\":{expiresIn}{extra}}}";

    [Theory]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("1e-300", 0)]
    [InlineData("0.0", 0)]
    [InlineData("3599.5", 3599.5)]
    [InlineData("3600", 3600)]
    [InlineData("86400", 86400)]
    [InlineData("86401", 86400)]
    [InlineData("1e10", 86400)]
    [InlineData("9.2e18", 86400)]
    [InlineData("9223372036854775807", 86400)]
    public void Expires_in_is_a_finite_non_negative_number_clamped_to_MaxTokenLifetime(string expiresIn, double seconds)
    {
        var token = Parse(Body(expiresIn)).Token;

        Assert.Equal(Now + TimeSpan.FromSeconds(seconds), token.ExpiresAt);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-1e-300")]
    [InlineData("1e300")]
    [InlineData("-1e300")]
    [InlineData("1e309")]
    [InlineData("9223372036854775808")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("\"3600\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("\"NaN\"")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("[3600]")]
    [InlineData("{}")]
    public void Expires_in_that_is_not_such_a_number_is_an_invalid_response(string expiresIn)
    {
        var ex = Refused(Body(expiresIn));

        Assert.Equal("invalid_response", ex.Error);
        Assert.Contains("expires_in", ex.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was cached", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_expires_in_takes_the_default_lifetime_clamped_to_the_maximum()
    {
        var json = $"{{\"access_token\":\"{Token}\"}}";

        Assert.Equal(Now + TimeSpan.FromMinutes(42), Parse(json, configure: o => o.DefaultTokenLifetime = TimeSpan.FromMinutes(42)).Token.ExpiresAt);
        Assert.Equal(Now + TimeSpan.FromHours(24), Parse(json, configure: o => o.DefaultTokenLifetime = TimeSpan.FromDays(400)).Token.ExpiresAt);
        Assert.Equal(Now + TimeSpan.FromHours(2), Parse(Body("1e9"), configure: o => o.MaxTokenLifetime = TimeSpan.FromHours(2)).Token.ExpiresAt);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("A-Z.a_z~0+9/")]
    [InlineData("abc==")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")]
    public void An_access_token_of_b64token_characters_is_accepted(string accessToken)
    {
        Assert.Equal(accessToken, Parse($"{{\"access_token\":\"{accessToken}\"}}").Token.AccessToken);
    }

    [Theory]
    [InlineData("abc\\r\\ndef")]
    [InlineData("abc\\u0000def")]
    [InlineData("abc\\ndef")]
    [InlineData("abc def")]
    [InlineData("abc=def")]
    [InlineData("=abc")]
    [InlineData("===")]
    [InlineData("")]
    [InlineData("abc,def")]
    [InlineData("abc\\\"def")]
    [InlineData("abcé")]
    [InlineData("abc\\ud800")]
    public void An_access_token_with_other_characters_is_refused_and_never_echoed(string accessToken)
    {
        var ex = Refused($"{{\"access_token\":\"{accessToken}\",\"expires_in\":60}}");

        Assert.Equal("invalid_response", ex.Error);
        Assert.Contains("access_token", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_access_token_is_at_most_16_KiB()
    {
        var longest = new string('a', TokenResponseParser.MaxAccessTokenLength - 2) + "==";

        Assert.Equal(longest, Parse($"{{\"access_token\":\"{longest}\"}}").Token.AccessToken);
        var ex = Refused($"{{\"access_token\":\"{longest}a\"}}");
        Assert.Contains("16384", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public void Token_type_Bearer_in_any_case_is_accepted(string tokenType)
    {
        Assert.Equal("Bearer", Parse($"{{\"access_token\":\"{Token}\",\"token_type\":\"{tokenType}\"}}").Token.TokenType);
    }

    [Theory]
    [InlineData("\"mac\"", "token_type 'mac'")]
    [InlineData("\"N_A\"", "token_type 'N_A'")]
    [InlineData("\"Bearer\\r\\nX: 1\"", "token_type 'Bearer\\u000d\\u000aX: 1'")]
    [InlineData("5", "'token_type' as a number instead of a string")]
    [InlineData("null", "'token_type' as null instead of a string")]
    public void Any_other_token_type_is_an_invalid_response_naming_what_came(string tokenType, string named)
    {
        var ex = Refused($"{{\"access_token\":\"{Token}\",\"token_type\":{tokenType}}}");

        Assert.Equal("invalid_response", ex.Error);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scope", "[\"org:read\"]")]
    [InlineData("scope", "5")]
    [InlineData("scope", "null")]
    [InlineData("scope", "\"org:read\\norg:write\"")]
    [InlineData("scope", "\"org:read \\\"x\\\"\"")]
    [InlineData("scope", "\"org\\\\read\"")]
    [InlineData("scope", "\"org:read\\tevent:read\"")]
    [InlineData("issued_token_type", "5")]
    [InlineData("issued_token_type", "\"\"")]
    [InlineData("issued_token_type", "\"urn:x\\u0000\"")]
    [InlineData("refresh_token", "{}")]
    [InlineData("refresh_token", "\"\"")]
    [InlineData("refresh_token", "\"rt\\r\\n\"")]
    [InlineData("error", "\"invalid_grant\"")]
    [InlineData("error", "5")]
    [InlineData("error", "null")]
    public void Wrong_typed_or_malformed_fields_are_invalid_responses(string field, string value)
    {
        var ex = Refused($"{{\"access_token\":\"{Token}\",\"{field}\":{value}}}");

        Assert.Equal("invalid_response", ex.Error);
        Assert.Equal(HttpStatusCode.OK, ex.StatusCode);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public void Scope_is_split_on_spaces_and_a_missing_scope_means_the_requested_ones()
    {
        Assert.Equal(["event:read", "org:read"], Parse(Body(extra: ",\"scope\":\" org:read  event:read \"")).Token.Scopes.Order());
        Assert.Equal(["org:read"], Parse(Body()).Token.Scopes);
        Assert.Empty(Parse(Body(extra: ",\"scope\":\"\"")).Token.Scopes);
    }

    [Theory]
    [InlineData("{\"access_token\":\"a\",\"access_token\":\"b\"}")]
    [InlineData("{\"access_token\":\"a\",\"expires_in\":1,\"expires_in\":2}")]
    [InlineData("{\"access_token\":\"a\"")]
    [InlineData("{\"access_token\":\"a\",}")]
    [InlineData("{\"access_token\":\"a\"} x")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("<html></html>")]
    public void Repeated_members_and_malformed_or_non_object_JSON_are_invalid_responses(string json)
    {
        Assert.Equal("invalid_response", Refused(json).Error);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_and_unknown_members_within_it_are_ignored()
    {
        var within = new string('[', TokenResponseParser.MaxJsonDepth - 1) + new string(']', TokenResponseParser.MaxJsonDepth - 1);
        var beyond = new string('[', 10_000) + new string(']', 10_000);

        Assert.Equal(Token, Parse(Body(extra: $",\"id_token\":\"x.y.z\",\"user_id\":7,\"extra\":{within}")).Token.AccessToken);
        Assert.Equal("invalid_response", Refused(Body(extra: $",\"extra\":{beyond}")).Error);
    }

    [Fact]
    public void A_UTF8_BOM_is_ignored_but_other_encodings_and_invalid_UTF8_are_refused()
    {
        var parser = Parser();
        var json = Body();
        KeycardExchangeResponse Bytes(byte[] body) => parser.Parse(HttpStatusCode.OK, body, false, []);

        Assert.Equal(Token, Bytes([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)]).Token.AccessToken);
        Assert.Throws<KeycardExchangeException>(() => Bytes([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(json)]));
        Assert.Throws<KeycardExchangeException>(() => Bytes([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)]));
        var invalid = Encoding.UTF8.GetBytes(json);
        invalid[Array.IndexOf(invalid, (byte)'k')] = 0xC3;
        Assert.Contains("not UTF-8", Assert.Throws<KeycardExchangeException>(() => Bytes(invalid)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_over_the_limit_is_invalid_for_a_2xx_and_a_body_less_error_otherwise()
    {
        var parser = Parser();

        Assert.Equal("invalid_response", Assert.Throws<KeycardExchangeException>(() => parser.Parse(HttpStatusCode.OK, default, true, [])).Error);
        var gateway = Assert.Throws<KeycardExchangeException>(() => parser.Parse(HttpStatusCode.BadGateway, default, true, []));
        Assert.Equal("server_error", gateway.Error);
        Assert.True(gateway.IsRetryable);
    }

    [Theory]
    [InlineData(400, "{\"error\":5}", "invalid_response")]
    [InlineData(400, "{\"error\":\"bad\\ncode\"}", "invalid_response")]
    [InlineData(400, "{\"error\":\"invalid_grant\",\"error_description\":[\"x\"]}", "invalid_response")]
    [InlineData(401, "{\"error\":\"invalid_client\",\"error_uri\":{}}", "invalid_response")]
    [InlineData(400, "{\"error\":\"invalid_grant\",\"error\":\"invalid_scope\"}", "invalid_response")]
    [InlineData(503, "{\"error\":true}", "server_error")]
    [InlineData(429, "{\"error\":null}", "rate_limited")]
    [InlineData(400, "{\"error\":\"invalid_grant\",\"error_description\":\"ok\",\"error_uri\":\"https://x\"}", "invalid_grant")]
    public void An_error_body_counts_only_when_its_code_and_fields_are_well_formed(int status, string json, string error)
    {
        Assert.Equal(error, Refused(json, (HttpStatusCode)status).Error);
    }

    [Fact]
    public void Error_text_in_messages_is_truncated_and_control_characters_are_escaped()
    {
        var description = "first line\r\nFAKE 2026-08-01 log line\u0000\u001b[31m" + new string('x', 5000);
        var json = $"{{\"error\":\"invalid_grant\",\"error_description\":{System.Text.Json.JsonSerializer.Serialize(description)},\"error_uri\":\"https://e/\\n\"}}";

        var ex = Refused(json, HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", ex.Error);
        Assert.Contains("first line\\u000d\\u000aFAKE 2026-08-01 log line\\u0000\\u001b[31m", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 1200, ex.Message.Length.ToString(CultureInfo.InvariantCulture));
        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.DoesNotContain(ex.ErrorDescription!, char.IsControl);
        Assert.True(ex.ErrorDescription!.Length < 400);
        Assert.Equal("https://e/\\u000a", ex.ErrorUri);
    }

    [Fact]
    public void The_invalid_client_hint_comes_from_the_client_authentication_in_use()
    {
        var ex = Refused("{\"error\":\"invalid_client\"}", HttpStatusCode.Unauthorized);

        Assert.Contains("Keycard:ClientSecret", ex.Message, StringComparison.Ordinal);
    }
}
