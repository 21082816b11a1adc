using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// Collects an options validator's failures, each naming its key in configuration and environment-variable spelling
/// (<c>Cluster:SiloPort (Cluster__SiloPort) is '0': use a port number from 1 to 65535.</c>). A value the binder could
/// not convert and a converted value out of range get the same sentence, so the fix reads the same either way.
/// </summary>
internal sealed class ConfigurationKeyChecks
{
    private readonly ConfigurationKeyBinder _keys;
    private readonly Dictionary<string, string> _unconvertible;
    private readonly List<string> _failures = [];

    public ConfigurationKeyChecks(ConfigurationKeyBinder keys)
    {
        _keys = keys;
        _unconvertible = keys.Unconvertible().ToDictionary(u => u.Key, u => u.Text, StringComparer.OrdinalIgnoreCase);
        foreach (var unknown in keys.UnknownKeys())
        {
            _failures.Add($"{keys.Describe(unknown)} is not a setting here: the keys are {string.Join(", ", keys.KnownKeys)} (a typo, or a key of another version?).");
        }
    }

    public const string PortHint = "use a port number from 1 to 65535.";

    /// <summary><c>Path:Key (Path__Key)</c>.</summary>
    public string Describe(string key) => _keys.Describe(key);

    /// <summary>True when the key's value did not convert (already reported by <see cref="Check"/>).</summary>
    public bool Unconvertible(string key) => _unconvertible.ContainsKey(key);

    /// <summary>Reports the key when its text did not convert, or when <paramref name="bad"/> holds for the converted value.</summary>
    public void Check(string key, bool bad, object? value, string hint)
    {
        if (_unconvertible.TryGetValue(key, out var text))
        {
            _failures.Add($"{_keys.Describe(key)} is {text}: {hint}");
        }
        else if (bad)
        {
            _failures.Add($"{_keys.Describe(key)} is {Format(value)}: {hint}");
        }
    }

    /// <summary>Checks a port number (1 to 65535, or 0 too when <paramref name="allowZero"/>).</summary>
    public void Port(string key, int? port, bool allowZero = false) =>
        Check(key, port is { } p && (p < (allowZero ? 0 : 1) || p > 65535), port, allowZero ? "use a port number from 0 (pick a free one) to 65535." : PortHint);

    /// <summary>Checks an optional time span against its range.</summary>
    public void Time(string key, TimeSpan? value, TimeSpan min, TimeSpan max) =>
        Check(key, value is { } v && (v < min || v > max), value, $"use a time span from {min:c} to {max:c}, e.g. 00:00:02.");

    /// <summary>Checks an optional whole number against its range.</summary>
    public void Number(string key, int? value, int min, int max) =>
        Check(key, value is { } v && (v < min || v > max), value, $"use a whole number from {min} to {max}.");

    /// <summary>Checks a bool (only its conversion can fail).</summary>
    public void Flag(string key) => Check(key, false, null, "use true or false.");

    public void Add(string failure) => _failures.Add(failure);

    public ValidateOptionsResult Result() => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    /// <summary>
    /// An IP address written in full: <c>10.0.0.12</c> or an IPv6 address, not the shorthands <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// also takes (<c>1</c> is 0.0.0.1, <c>010.0.0.1</c> is 8.0.0.1).
    /// </summary>
    public static bool TryParseAddress(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrWhiteSpace(text) || !IPAddress.TryParse(text.Trim(), out var parsed))
        {
            return false;
        }

        var canonical = parsed.AddressFamily == AddressFamily.InterNetworkV6 || string.Equals(parsed.ToString(), text.Trim(), StringComparison.Ordinal);
        address = parsed;
        return canonical;
    }

    private static string Format(object? value) => value switch
    {
        null => "not set",
        TimeSpan t => $"'{t.ToString("c", CultureInfo.InvariantCulture)}'",
        string s => ConfigurationKeyBinder.Quote(s),
        IFormattable f => $"'{f.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => ConfigurationKeyBinder.Quote(value.ToString() ?? string.Empty),
    };
}
