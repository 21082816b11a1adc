using System.Net;
using KeycardSentry.Orleans;
using Microsoft.Extensions.Configuration;

namespace KeycardSentry.Silo;

/// <summary>How this silo joins its cluster and serves HTTP, read from configuration and checked before anything starts.</summary>
internal sealed record SiloSettings(
    ClusterMode Mode,
    string? RedisConnectionString,
    string ClusterId,
    string ServiceId,
    int SiloPort,
    int GatewayPort,
    IPAddress? AdvertisedIP,
    int HttpPort,
    IPAddress HttpBindAddress,
    bool Dashboard,
    Uri? ZoneUrl,
    KeycardClusterTlsOptions? Tls,
    FailureDetectionSettings FailureDetection)
{
    /// <summary>Reads and checks the settings; every problem names its key (and the environment variable spelling).</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <param name="errors">Receives one message per problem.</param>
    /// <param name="time">The clock a TLS certificate's validity is checked against; default the system clock.</param>
    public static SiloSettings? Read(IConfiguration configuration, List<string> errors, TimeProvider? time = null)
    {
        var cluster = configuration.GetSection("Cluster");
        var silo = configuration.GetSection("Silo");
        var keycard = configuration.GetSection("Keycard");

        var modeText = cluster["Mode"];
        var mode = ClusterMode.Localhost;
        if (!string.IsNullOrWhiteSpace(modeText) && !Enum.TryParse(modeText, ignoreCase: true, out mode))
        {
            errors.Add($"Cluster:Mode (Cluster__Mode) is '{modeText}': use Localhost or Redis.");
        }

        var redis = cluster["RedisConnectionString"];
        if (mode == ClusterMode.Redis && string.IsNullOrWhiteSpace(redis))
        {
            errors.Add("Cluster:Mode is Redis but Cluster:RedisConnectionString (Cluster__RedisConnectionString) is not set, e.g. 'redis-host:6379'.");
        }

        var siloPort = ReadPort(cluster, "SiloPort", 11111, errors, allowZero: false);
        var gatewayPort = ReadPort(cluster, "GatewayPort", 30000, errors, allowZero: false);
        var httpPort = ReadPort(silo, "HttpPort", 8080, errors, allowZero: true);

        IPAddress? advertised = null;
        if (cluster["AdvertisedIP"] is { Length: > 0 } advertisedText && !IPAddress.TryParse(advertisedText, out advertised))
        {
            errors.Add($"Cluster:AdvertisedIP (Cluster__AdvertisedIP) is '{advertisedText}': use an IP address this machine is reachable on by the other silos.");
        }

        var bind = IPAddress.Loopback;
        if (silo["HttpBindAddress"] is { Length: > 0 } bindText && !IPAddress.TryParse(bindText, out bind!))
        {
            errors.Add($"Silo:HttpBindAddress (Silo__HttpBindAddress) is '{bindText}': use an IP address such as 127.0.0.1 or 0.0.0.0.");
            bind = IPAddress.Loopback;
        }

        var dashboard = true;
        if (silo["Dashboard"] is { Length: > 0 } dashboardText && !bool.TryParse(dashboardText, out dashboard))
        {
            errors.Add($"Silo:Dashboard (Silo__Dashboard) is '{dashboardText}': use true or false.");
        }

        var zone = ReadZone(keycard, errors);

        // On when Cluster:Tls:CertificatePath is set; loads the certificate now so a bad path or password stops startup.
        var tls = KeycardClusterTlsOptions.Read(cluster.GetSection("Tls"), forSilo: true, errors, time);
        var clusterId = cluster["ClusterId"] is { Length: > 0 } id ? id : "keycardsentry";
        var serviceId = cluster["ServiceId"] is { Length: > 0 } sid ? sid : "keycardsentry";
        var failureDetection = FailureDetectionSettings.Read(cluster, errors);
        return errors.Count > 0
            ? null
            : new SiloSettings(mode, redis, clusterId, serviceId, siloPort, gatewayPort, advertised, httpPort, bind, dashboard, zone, tls, failureDetection);
    }

    private static Uri? ReadZone(IConfiguration keycard, List<string> errors)
    {
        var zoneText = keycard["ZoneUrl"];
        var clientId = keycard["ClientId"];
        var secret = keycard["ClientSecret"];
        if (string.IsNullOrWhiteSpace(zoneText))
        {
            if (!string.IsNullOrWhiteSpace(clientId) || !string.IsNullOrWhiteSpace(secret))
            {
                errors.Add("Keycard:ClientId/ClientSecret are set but Keycard:ZoneUrl (Keycard__ZoneUrl) is not: set the zone URL, e.g. https://<zone-id>.keycard.cloud.");
            }

            return null;
        }

        if (!Uri.TryCreate(zoneText, UriKind.Absolute, out var zone) || (zone.Scheme != Uri.UriSchemeHttps && zone.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"Keycard:ZoneUrl (Keycard__ZoneUrl) is '{zoneText}': use the zone's absolute https URL, e.g. https://<zone-id>.keycard.cloud.");
            return null;
        }

        if (zone.Scheme == Uri.UriSchemeHttp && !zone.IsLoopback)
        {
            errors.Add($"Keycard:ZoneUrl (Keycard__ZoneUrl) is '{zoneText}': http is only allowed for a loopback zone; use https, the client secret is sent to it.");
        }

        if (string.IsNullOrWhiteSpace(clientId))
        {
            errors.Add("Keycard:ZoneUrl is set but Keycard:ClientId (Keycard__ClientId) is not: set the application's Keycard client id.");
        }

        if (!string.IsNullOrWhiteSpace(clientId) && string.IsNullOrWhiteSpace(secret))
        {
            errors.Add("Keycard:ClientId is set but Keycard:ClientSecret (Keycard__ClientSecret) is not: set the client secret (prefer the environment variable or a secret store to appsettings.json).");
        }

        return zone;
    }

    private static int ReadPort(IConfiguration section, string key, int fallback, List<string> errors, bool allowZero)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, out var port) || port < (allowZero ? 0 : 1) || port > 65535)
        {
            var path = $"{SectionName(section)}:{key}";
            errors.Add($"{path} ({path.Replace(":", "__", StringComparison.Ordinal)}) is '{text}': use a port number {(allowZero ? "0 (pick a free one) to" : "1 to")} 65535.");
        }

        return port;
    }

    private static string SectionName(IConfiguration section) => section is IConfigurationSection s ? s.Path : string.Empty;
}

/// <summary>How silos find each other.</summary>
internal enum ClusterMode
{
    /// <summary>One silo on this machine, in-memory membership (development).</summary>
    Localhost,

    /// <summary>Membership in Redis: any number of silos on any machines that share the connection string and cluster id.</summary>
    Redis,
}
