using System.Globalization;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// Realistic scalar values for generated bodies, chosen by a schema's format and the property's name: ISO 8601
/// timestamps, https URLs, e-mail addresses, UUIDs, ids as strings of digits, hex event ids, slugs and versions.
/// </summary>
internal static class SampleValues
{
    private static readonly string[] s_words =
    [
        "acme", "backend", "frontend", "mobile", "payments", "checkout", "search", "billing", "gateway", "worker",
        "orbit", "harbor", "falcon", "maple", "cedar", "river", "summit", "comet", "atlas", "nimbus",
    ];

    private static readonly string[] s_platforms = ["python", "javascript", "csharp", "java", "go", "ruby", "php", "node"];

    // Fixed, so the same seed gives the same timestamps on any day.
    private static readonly DateTimeOffset s_epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string Word(Random random) => s_words[random.Next(s_words.Length)];

    public static bool IsIdName(string? name) =>
        name is not null && (name == "id" || name.EndsWith("Id", StringComparison.Ordinal) || name.EndsWith("_id", StringComparison.Ordinal) || name.EndsWith("ID", StringComparison.Ordinal));

    public static string String(Random random, string? name, string? format)
    {
        var lower = name?.ToLowerInvariant() ?? string.Empty;
        switch (format?.ToLowerInvariant())
        {
            case "date-time":
                return DateTime(random).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            case "date":
                return DateTime(random).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            case "time":
                return DateTime(random).ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            case "uri" or "url" or "iri" or "uri-reference":
                return Url(random);
            case "email" or "idn-email":
                return Email(random);
            case "uuid":
                return Uuid(random);
            case "ipv4":
                return $"192.0.2.{random.Next(1, 255)}";
            case "hostname":
                return $"{Word(random)}.example.com";
        }

        if (lower.Contains("uuid", StringComparison.Ordinal))
        {
            return Uuid(random);
        }

        if (IsIdName(name))
        {
            // Sentry's event, trace and span ids are hex; every other id is a string of digits.
            return lower.Contains("event", StringComparison.Ordinal) || lower.Contains("trace", StringComparison.Ordinal)
                ? Hex(random, 32)
                : lower.Contains("span", StringComparison.Ordinal) ? Hex(random, 16) : Digits(random);
        }

        return lower switch
        {
            _ when lower.EndsWith("url", StringComparison.Ordinal) || lower.EndsWith("uri", StringComparison.Ordinal) => Url(random),
            _ when lower.Contains("email", StringComparison.Ordinal) => Email(random),
            "slug" or "shortid" => $"{Word(random)}-{Word(random)}",
            _ when lower.EndsWith("slug", StringComparison.Ordinal) => $"{Word(random)}-{Word(random)}",
            "version" or "shortversion" => $"{random.Next(0, 5)}.{random.Next(0, 20)}.{random.Next(0, 50)}",
            "platform" => s_platforms[random.Next(s_platforms.Length)],
            "name" or "title" or "username" or "label" => Title(random),
            _ when lower.StartsWith("date", StringComparison.Ordinal) || lower.EndsWith("seen", StringComparison.Ordinal) =>
                DateTime(random).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            _ => Word(random),
        };
    }

    public static string Digits(Random random) => random.Next(1, 99_999_999).ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset DateTime(Random random) => s_epoch.AddSeconds(random.Next(0, 365 * 86_400)).AddMilliseconds(random.Next(0, 1000));

    private static string Url(Random random) => $"https://{Word(random)}.example.com/{Word(random)}/{random.Next(1, 10_000)}/";

    private static string Email(Random random) => $"{Word(random)}.{Word(random)}@example.com";

    private static string Title(Random random)
    {
        var word = Word(random);
        return char.ToUpperInvariant(word[0]) + word[1..] + " " + Word(random);
    }

    private static string Uuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes).ToString("D");
    }

    private static string Hex(Random random, int length)
    {
        Span<byte> bytes = stackalloc byte[length / 2];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
