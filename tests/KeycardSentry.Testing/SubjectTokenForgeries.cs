using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace KeycardSentry.Testing;

/// <summary>A subject token no app may accept for the user it names.</summary>
/// <param name="Kind">What is wrong with it, e.g. <c>signature-tampered</c> (short, for test output).</param>
/// <param name="Token">The token (may be a megabyte long or hold control characters: never print it).</param>
public sealed record SubjectTokenForgery(string Kind, string Token)
{
    /// <summary>The kind and length only.</summary>
    public override string ToString() => $"{Kind} ({Token.Length} chars)";
}

/// <summary>
/// A seeded generator of subject tokens that name a victim and must be refused by an app that trusts
/// a <see cref="LocalKeycardZone"/>'s keys, its audience <see cref="LocalKeycardZone.SubjectAudience"/> and its exact issuer: JWTs
/// with a tampered signature or payload, signed with an attacker's key (under the zone's <c>kid</c> or a made-up one),
/// unsigned (<c>alg: none</c>) or without a signature; tokens the zone did sign but for another audience, none, the
/// client id (ID-token-like), another issuer, the issuer with a trailing slash, or already expired; JWE-shaped
/// five-segment strings; 200 KB and 1 MB tokens; plain junk (dotted or not); and control characters, spaces and quotes.
/// </summary>
/// <remarks>
/// The same seed and count give the same kinds in the same order (the bytes of signed ones differ: they carry a fresh
/// <c>jti</c>). Kinds are taken in turn, so any count of at least <see cref="KindCount"/> covers every kind. One attacker
/// key is made per call, so a thousand forgeries take a second or two, not a thousand RSA key generations.
/// </remarks>
public static class SubjectTokenForgeries
{
    private const string B64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static readonly string[] KindNames =
    [
        "signature-tampered", "payload-tampered", "attacker-key", "unknown-kid", "alg-none", "no-signature",
        "other-audience", "no-audience", "id-token-like", "other-issuer", "issuer-trailing-slash", "expired",
        "jwe-shaped", "large-200KB", "one-megabyte", "junk", "dotted-junk", "control-characters", "space-and-quotes",
    ];

    /// <summary>How many kinds there are.</summary>
    public static int KindCount => KindNames.Length;

    /// <summary>Generates <paramref name="count"/> forgeries naming <paramref name="victim"/>.</summary>
    public static IReadOnlyList<SubjectTokenForgery> Generate(LocalKeycardZone zone, string victim, int seed, int count)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        using var attacker = RSA.Create(2048);
        var forger = new Forger(zone, victim, random, new RsaSecurityKey(attacker) { KeyId = zone.SigningKeyId });
        var forgeries = new List<SubjectTokenForgery>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = KindNames[i % KindNames.Length];
            forgeries.Add(new SubjectTokenForgery(kind, forger.Make(kind)));
        }

        return forgeries;
    }

    /// <summary>
    /// A JWT-shaped token of about <paramref name="length"/> characters naming <paramref name="victim"/> with the zone's
    /// issuer, audience and <c>kid</c>, whose signature is made up (nothing signs a 200 KB forgery: it costs the attacker nothing).
    /// </summary>
    public static string Large(LocalKeycardZone zone, string victim, int length, Random random)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(random);
        var header = Segment(new Dictionary<string, object> { ["alg"] = "RS256", ["kid"] = zone.SigningKeyId, ["typ"] = "JWT" });
        var exp = zone.Now.AddHours(1).ToUnixTimeSeconds();
        var payload = Segment(new Dictionary<string, object>
        {
            ["iss"] = zone.Issuer,
            ["sub"] = victim,
            ["aud"] = zone.SubjectAudience,
            ["exp"] = exp,
            ["pad"] = RandomB64Url(random, Math.Max(0, length * 3 / 4 - 200)),
        });
        return header + "." + payload + "." + RandomB64Url(random, 342);
    }

    /// <summary>A token the zone signed for <paramref name="victim"/>, with one character of its signature changed.</summary>
    public static string SignatureTampered(LocalKeycardZone zone, string victim, Random random)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(random);
        var token = zone.MintSubjectToken(victim);
        var at = token.LastIndexOf('.') + 1 + random.Next(8, 300);
        var replacement = token[at] == 'A' ? 'B' : 'A';
        return string.Concat(token.AsSpan(0, at), replacement.ToString(), token.AsSpan(at + 1));
    }

    private static string Segment(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));

    private static string RandomB64Url(Random random, int length) =>
        string.Create(length, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = B64UrlAlphabet[r.Next(B64UrlAlphabet.Length)];
            }
        });

    private sealed class Forger(LocalKeycardZone zone, string victim, Random random, RsaSecurityKey attackerKey)
    {
        private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

        public string Make(string kind) => kind switch
        {
            "signature-tampered" => SignatureTampered(zone, victim, random),
            "payload-tampered" => WithPayloadOf(zone.MintSubjectToken("mallory"), zone.MintSubjectToken(victim)),
            "attacker-key" => zone.Mint(victim, Hour, attackerKey, zone.SubjectAudience),
            "unknown-kid" => zone.Mint(victim, Hour, new RsaSecurityKey(attackerKey.Rsa) { KeyId = "made-up-" + RandomB64Url(random, 12) }, zone.SubjectAudience),
            "alg-none" => Segment(new Dictionary<string, object> { ["alg"] = "none", ["typ"] = "JWT" }) + "." + PayloadOf(zone.MintSubjectToken(victim)) + ".",
            "no-signature" => WithoutSignature(zone.MintSubjectToken(victim)),
            "other-audience" => zone.MintSubjectTokenForAudience(victim, "another-app"),
            "no-audience" => zone.MintSubjectTokenForAudience(victim, null),
            "id-token-like" => zone.MintSubjectTokenForAudience(victim, zone.ClientId),
            "other-issuer" => zone.MintSubjectTokenForIssuer(victim, "https://evil.example"),
            "issuer-trailing-slash" => zone.MintSubjectTokenForIssuer(victim, zone.Issuer + "/"),
            "expired" => zone.Mint(victim, Hour, zone.SigningKey, zone.SubjectAudience, issuedAt: zone.Now - 2 * Hour),
            "jwe-shaped" => string.Join('.', Enumerable.Range(0, 5).Select(i => RandomB64Url(random, i == 0 ? 40 : 20 + random.Next(200)))),
            "large-200KB" => Large(zone, victim, 200 * 1024, random),
            "one-megabyte" => Large(zone, victim, 1024 * 1024, random),
            "junk" => RandomB64Url(random, 8 + random.Next(400)),
            "dotted-junk" => RandomB64Url(random, 30) + "." + RandomB64Url(random, 60) + "." + RandomB64Url(random, 40),
            "control-characters" => Insert(zone.MintSubjectToken(victim), random.Next(4) switch { 0 => "\r\n", 1 => "\0", 2 => "\u001b[2J", _ => "\u2028" }),
            "space-and-quotes" => random.Next(3) switch { 0 => "Bearer " + zone.MintSubjectToken(victim), 1 => "\"" + zone.MintSubjectToken(victim) + "\"", _ => Insert(zone.MintSubjectToken(victim), " ") },
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind"),
        };

        private static string PayloadOf(string jwt) => jwt.Split('.')[1];

        private static string WithoutSignature(string jwt) => jwt[..(jwt.LastIndexOf('.') + 1)];

        /// <summary>Mallory's valid header and signature around the victim's payload.</summary>
        private static string WithPayloadOf(string signed, string victims)
        {
            var parts = signed.Split('.');
            return parts[0] + "." + PayloadOf(victims) + "." + parts[2];
        }

        private string Insert(string token, string text)
        {
            var at = random.Next(1, token.Length - 1);
            return new StringBuilder(token).Insert(at, text).ToString();
        }
    }
}
