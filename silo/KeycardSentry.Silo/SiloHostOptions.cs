using System.Net;
using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Silo;

/// <summary>The silo host's own HTTP endpoint (<c>/health</c>, <c>/dashboard</c>), bound from the <c>Silo</c> section.</summary>
internal sealed class SiloHostOptions
{
    public const string SectionName = "Silo";

    /// <summary>The HTTP port; 0 picks a free one (printed in the banner). Default 8080.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>The address HTTP listens on. The dashboard has no authentication: keep it private. Default 127.0.0.1.</summary>
    public string HttpBindAddress { get; set; } = "127.0.0.1";

    /// <summary>Orleans Dashboard on or off. Default on.</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Where HTTP listens, or <c>null</c> when <see cref="HttpBindAddress"/> or <see cref="HttpPort"/> is not valid.</summary>
    public IPEndPoint? HttpEndpoint =>
        ConfigurationKeyChecks.TryParseAddress(HttpBindAddress, out var address) && HttpPort is >= 0 and <= 65535 ? new IPEndPoint(address, HttpPort) : null;

    /// <summary>
    /// Binds the options from <paramref name="section"/>, validated at start, and returns them as configured now:
    /// whether the dashboard is on decides what is registered.
    /// </summary>
    public static SiloHostOptions Register(IServiceCollection services, IConfiguration section)
    {
        var keys = new ConfigurationKeyBinder(section, typeof(SiloHostOptions));
        services.AddOptions<SiloHostOptions>().Configure(keys.Bind).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiloHostOptions>>(new Validator(keys));
        var requested = new SiloHostOptions();
        keys.Bind(requested);
        return requested;
    }

    private sealed class Validator(ConfigurationKeyBinder keys) : IValidateOptions<SiloHostOptions>
    {
        public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
        {
            var checks = new ConfigurationKeyChecks(keys);
            checks.Port(nameof(HttpPort), options.HttpPort, allowZero: true);
            checks.Check(nameof(HttpBindAddress), !ConfigurationKeyChecks.TryParseAddress(options.HttpBindAddress, out _), options.HttpBindAddress, "use an IP address such as 127.0.0.1 or 0.0.0.0.");
            checks.Flag(nameof(Dashboard));
            return checks.Result();
        }
    }
}
