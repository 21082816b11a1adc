using System.Buffers;

namespace KeycardSentry.Internal;

/// <summary>RFC 6749 §3.3 scope syntax: <c>scope-token = 1*( %x21 / %x23-5B / %x5D-7E )</c>, and the list forms configuration accepts.</summary>
internal static class ScopeSyntax
{
    private static readonly SearchValues<char> ScopeTokenChars = SearchValues.Create(
        "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>The longest scope accepted (Sentry's are under 30 characters).</summary>
    public const int MaxLength = 256;

    public static bool IsScopeToken(string? scope) =>
        !string.IsNullOrEmpty(scope) && scope.Length <= MaxLength && scope.AsSpan().IndexOfAnyExcept(ScopeTokenChars) < 0;

    /// <summary>Splits a configured scope string on spaces and commas (the natural forms of an environment variable).</summary>
    public static string[] Split(string value) =>
        value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
