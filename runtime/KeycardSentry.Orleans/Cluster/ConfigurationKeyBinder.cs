using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// Binds one configuration section onto an options class with the configuration binder, a key at a time, so that a
/// value the binder cannot convert ("soon" for a time span) is left for the options validator to report with its key,
/// next to every other problem, instead of stopping at the first one with an exception that names no fix. The
/// validator asks the same binder which keys did not convert and which keys the class does not know.
/// </summary>
/// <remarks>Only scalar properties (strings, numbers, booleans, enums, time spans) are bound here.</remarks>
internal sealed class ConfigurationKeyBinder
{
    private readonly IConfiguration _section;
    private readonly string _path;
    private readonly IReadOnlyList<PropertyInfo> _properties;
    private readonly HashSet<string> _otherKeys;

    /// <param name="section">The section to read.</param>
    /// <param name="optionsType">The options class.</param>
    /// <param name="otherKeys">Child keys bound elsewhere (sub-sections, lists), so not reported as unknown.</param>
    public ConfigurationKeyBinder(
        IConfiguration section,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType,
        params string[] otherKeys)
    {
        ArgumentNullException.ThrowIfNull(section);
        _section = section;
        _path = section is IConfigurationSection s ? s.Path : string.Empty;
        _properties = [.. optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } && IsScalar(p.PropertyType))];
        _otherKeys = new HashSet<string>(otherKeys, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The section read.</summary>
    public IConfiguration Section => _section;

    /// <summary>
    /// <c>Path:Key (Path__Key)</c>: how a message names a key, in configuration and environment-variable spelling.
    /// </summary>
    public string Describe(string key)
    {
        var path = _path.Length == 0 ? key : $"{_path}:{key}";
        return $"{path} ({path.Replace(":", "__", StringComparison.Ordinal)})";
    }

    /// <summary>Sets every property whose key has a value the binder converts; blank values keep the default.</summary>
    public void Bind(object options)
    {
        foreach (var property in _properties)
        {
            if (TryConvert(property, out var value, out _))
            {
                property.SetValue(options, value);
            }
        }
    }

    /// <summary>The keys whose values did not convert, with the text (quoted for a message).</summary>
    public IEnumerable<(string Key, string Text)> Unconvertible()
    {
        foreach (var property in _properties)
        {
            if (!TryConvert(property, out _, out var text) && !string.IsNullOrWhiteSpace(text))
            {
                yield return (property.Name, Quote(text));
            }
        }
    }

    /// <summary>Child keys of the section that the options class does not have (a typo, or a key of another version).</summary>
    public IEnumerable<string> UnknownKeys() =>
        _section.GetChildren()
            .Select(c => c.Key)
            .Where(k => !_otherKeys.Contains(k) && !_properties.Any(p => string.Equals(p.Name, k, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal);

    /// <summary>The known keys, for a message about an unknown one.</summary>
    public IEnumerable<string> KnownKeys => _properties.Select(p => p.Name).Concat(_otherKeys).Order(StringComparer.Ordinal);

    /// <summary>
    /// A configuration value as a message shows it: control characters escaped, at most <paramref name="limit"/> characters, so a hostile or
    /// broken value cannot rewrite the console or flood a log.
    /// </summary>
    public static string Quote(string text, int limit = 80)
    {
        var builder = new StringBuilder(Math.Min(text.Length, limit) + 8).Append('\'');
        foreach (var c in text.Length > limit ? text[..limit] : text)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u200E' or '\u200F' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069'))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append(text.Length > limit ? "'…" : "'").ToString();
    }

    private bool TryConvert(PropertyInfo property, out object? value, out string? text)
    {
        value = null;
        var child = _section.GetSection(property.Name);
        text = child.Value;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            value = child.Get(property.PropertyType);
            return value is not null;
        }
        catch (InvalidOperationException)
        {
            // The binder's "failed to convert": reported by the validator, with the key and the values it takes.
            return false;
        }
    }

    private static bool IsScalar(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(TimeSpan) || underlying == typeof(decimal);
    }
}
