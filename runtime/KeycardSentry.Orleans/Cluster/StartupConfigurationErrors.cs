using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// Turns what a host's start throws for bad configuration into lines for an operator: the failures of every options
/// validator (ValidateOnStart throws one <see cref="OptionsValidationException"/>, or an <see cref="AggregateException"/>
/// of several), and the configuration binder's "failed to convert" for options bound without our checks.
/// </summary>
internal static partial class StartupConfigurationErrors
{
    private const string BinderAssembly = "Microsoft.Extensions.Configuration.Binder";

    /// <summary>
    /// Runs the start-time validation of <paramref name="services"/> now and returns every configuration error. The
    /// cluster options and <paramref name="first"/> are checked one by one before the host's own validator, because
    /// the binder's exception for one badly typed value elsewhere would stop that validator before it got to them.
    /// </summary>
    /// <exception cref="Exception">Anything that is not a configuration error.</exception>
    public static IReadOnlyList<string> Validate(IServiceProvider services, params Action<IServiceProvider>[] first)
    {
        var lines = new List<string>();
        Action<IServiceProvider>[] checks =
        [
            .. first,
            s => _ = s.GetRequiredService<IOptions<KeycardClusterOptions>>().Value,
            s => _ = s.GetRequiredService<IOptions<KeycardClusterTlsOptions>>().Value,
            s => s.GetService<IStartupValidator>()?.Validate(),
        ];
        foreach (var check in checks)
        {
            try
            {
                check(services);
            }
            catch (Exception ex) when (From(ex) is { Count: > 0 } errors)
            {
                lines.AddRange(errors);
            }
        }

        return [.. lines.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The configuration errors <paramref name="exception"/> carries; empty when it is (also) something else.</summary>
    public static IReadOnlyList<string> From(Exception exception)
    {
        var lines = new List<string>();
        return Collect(exception, lines) ? lines : [];
    }

    private static bool Collect(Exception exception, List<string> lines)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                lines.AddRange(validation.Failures);
                return true;
            case AggregateException aggregate:
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => Collect(e, lines));
            case InvalidOperationException conversion when conversion.Source == BinderAssembly:
                var message = ConfigurationKeyBinder.Quote(conversion.Message, 300).Trim('\'');
                var path = BinderPath().Match(conversion.Message);
                lines.Add(path.Success ? $"{message} (environment variable {path.Groups["path"].Value.Replace(":", "__", StringComparison.Ordinal)})" : message);
                return true;
            default:
                return false;
        }
    }

    [GeneratedRegex(@"at '(?<path>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex BinderPath();
}
