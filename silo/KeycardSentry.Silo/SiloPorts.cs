using System.Net;
using System.Net.Sockets;
using KeycardSentry.Orleans;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace KeycardSentry.Silo;

/// <summary>
/// The three ports the silo listens on (HTTP, silo, gateway), each with the key that sets it, and what to say when one
/// is taken: checked before the start, so a busy default port names its key instead of ending the process with an
/// unhandled <see cref="IOException"/> from deep inside Kestrel or Orleans.
/// </summary>
internal sealed class SiloPorts
{
    private static readonly string HttpPortKey = $"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.HttpPort)}";
    private static readonly string SiloPortKey = $"{KeycardClusterOptions.SectionName}:{nameof(KeycardClusterOptions.SiloPort)}";
    private static readonly string GatewayPortKey = $"{KeycardClusterOptions.SectionName}:{nameof(KeycardClusterOptions.GatewayPort)}";
    private static readonly string HttpAddressKey = $"{SiloHostOptions.SectionName}:{nameof(SiloHostOptions.HttpBindAddress)}";
    private static readonly string AdvertisedKey = $"{KeycardClusterOptions.SectionName}:{nameof(KeycardClusterOptions.AdvertisedIP)}";

    private readonly List<(string Key, string AddressKey, IPEndPoint Endpoint)> _listening = [];

    /// <summary>Reads the validated options: call after they were validated.</summary>
    public SiloPorts(IServiceProvider services)
    {
        var http = services.GetRequiredService<IOptions<SiloHostOptions>>().Value;
        var endpoints = services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        if (http.HttpEndpoint is { Port: not 0 } httpEndpoint)
        {
            _listening.Add((HttpPortKey, HttpAddressKey, httpEndpoint));
        }

        _listening.Add((SiloPortKey, AdvertisedKey, endpoints.SiloListeningEndpoint ?? new IPEndPoint(endpoints.AdvertisedIPAddress, endpoints.SiloPort)));
        _listening.Add((GatewayPortKey, AdvertisedKey, endpoints.GatewayListeningEndpoint ?? new IPEndPoint(endpoints.AdvertisedIPAddress, endpoints.GatewayPort)));
    }

    /// <summary>One line per port that is taken (by another program, or twice by this configuration).</summary>
    public IReadOnlyList<string> FindBusy()
    {
        var problems = new List<string>();
        for (var i = 0; i < _listening.Count; i++)
        {
            for (var j = i + 1; j < _listening.Count; j++)
            {
                var (a, b) = (_listening[i], _listening[j]);
                if (a.Endpoint.Port == b.Endpoint.Port && Overlap(a.Endpoint.Address, b.Endpoint.Address))
                {
                    problems.Add($"{Describe(a.Key)} and {Describe(b.Key)} are both {a.Endpoint.Port}: give each its own port.");
                }
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        foreach (var (key, addressKey, endpoint) in _listening)
        {
            switch (Probe(endpoint))
            {
                case SocketError.Success:
                    break;
                case SocketError.AddressAlreadyInUse:
                    problems.Add($"{Describe(key)} is {endpoint.Port}, but {endpoint} is already in use by another program (another silo?): stop it, or set {key} to a free port.");
                    break;
                case SocketError.AccessDenied:
                    problems.Add($"{Describe(key)} is {endpoint.Port}, but this process may not listen on {endpoint} (ports below 1024 need privileges): set {key} to a port from 1024 up.");
                    break;
                case var error:
                    problems.Add($"{Describe(key)} is {endpoint.Port}, but this silo cannot listen on {endpoint} ({error}): check {Describe(addressKey)}, which must be an address of this machine.");
                    break;
            }
        }

        return problems;
    }

    /// <summary>
    /// When the start failed because a port was taken after the check (a race with another program), the line to
    /// print; <c>null</c> for any other failure. Orleans does not say which of its ports it was, so every key is named.
    /// </summary>
    public string? ExplainStartFailure(Exception exception)
    {
        if (!IsAddressInUse(exception))
        {
            return null;
        }

        var ports = string.Join(", ", _listening.Select(l => $"{Describe(l.Key)} = {l.Endpoint.Port} on {l.Endpoint.Address}"));
        return $"a port this silo listens on was taken while it started: {ports}. Stop the other program, or change the key of the busy port.";
    }

    private static string Describe(string key) => $"{key} ({key.Replace(":", "__", StringComparison.Ordinal)})";

    private static bool Overlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || a.Equals(IPAddress.Any) || b.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) || b.Equals(IPAddress.IPv6Any);

    private static SocketError Probe(IPEndPoint endpoint)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (!OperatingSystem.IsWindows())
        {
            // As the servers themselves bind: a port left in TIME_WAIT by a previous run is free, a listening one is not.
            probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }

        try
        {
            probe.Bind(endpoint);
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    private static bool IsAddressInUse(Exception? exception) => exception switch
    {
        null => false,
        AddressInUseException => true,
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsAddressInUse),
        _ => IsAddressInUse(exception.InnerException),
    };
}
