using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Silo.Demo;

/// <summary>
/// Everything the demo runs, on 127.0.0.1 in this process: the local Keycard zone, the spec-driven Sentry stand-in, one
/// real silo (localhost clustering, the production silo's cluster and grain registration) and the app instances,
/// each its own host and Orleans client. Disposing stops them in reverse order, bounded.
/// </summary>
internal sealed class DemoEnvironment : IAsyncDisposable
{
    /// <summary>What every demo user's Keycard grant carries, unless the script narrows it (the silo project's <c>KeycardGrantedScopes</c>).</summary>
    public static readonly IReadOnlyList<string> AppGrant = ["event:read", "org:read", "project:read", "team:read"];

    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(20);
    private readonly string _clusterId = "demo-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<DemoApp> _apps = [];
    private IHost? _silo;

    private DemoEnvironment()
    {
    }

    public LocalKeycardZone Zone { get; private set; } = null!;

    public LocalSentryApi Sentry { get; private set; } = null!;

    public int SiloPort { get; private set; }

    public int GatewayPort { get; private set; }

    public IReadOnlyList<DemoApp> Apps => _apps;

    /// <summary>Every port the demo listened on (zone, stand-in, silo, gateway).</summary>
    public IReadOnlyList<int> Ports => [Zone.ZoneUrl.Port, Sentry.BaseUrl.Port, SiloPort, GatewayPort];

    /// <summary>Starts the stand-ins, the silo and the apps, reporting each step; on failure or cancellation, stops what started.</summary>
    public static async Task<DemoEnvironment> StartAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var environment = new DemoEnvironment();
        try
        {
            await environment.StartPartsAsync(progress, cancellationToken).ConfigureAwait(false);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartPartsAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        Zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { DefaultGrantedScopes = AppGrant }).ConfigureAwait(false);
        progress($"Keycard zone (local stand-in: RFC 8693 token exchange)    {Zone.Issuer}");
        cancellationToken.ThrowIfCancellationRequested();

        Sentry = await LocalSentryApi.StartAsync(Zone, new LocalSentryApiOptions
        {
            SpecPath = Path.Combine(AppContext.BaseDirectory, "Demo", "sentry.openapi.json"),
            ScopeCatalogPath = Path.Combine(AppContext.BaseDirectory, "Demo", "sentry.scopes.json"),
        }).ConfigureAwait(false);
        progress($"Sentry API (stand-in from specs/, {Sentry.Operations.Count} operations, Sentry's scope rules)  {Sentry.BaseUrl.OriginalString}");
        cancellationToken.ThrowIfCancellationRequested();

        SiloPort = FreePort();
        GatewayPort = FreePort();
        _silo = BuildSilo();
        await _silo.StartAsync(cancellationToken).ConfigureAwait(false);
        progress($"Orleans silo (user token grains; holds the Keycard client secret)  silo port {SiloPort}, gateway port {GatewayPort}");

        (string Name, bool ValidatesItself)[] apps = [("app-1", true), ("app-2", false), ("app-3", true)];
        foreach (var (name, validatesItself) in apps)
        {
            _apps.Add(await DemoApp.StartAsync(name, validatesItself, ClusterSettings(), Zone, Sentry.BaseUrl, cancellationToken).ConfigureAwait(false));
            progress($"{name}: an app instance, Orleans client, no Keycard secret; {(validatesItself ? "validates subject tokens itself, then calls the user's grain" : "sends subject tokens through the silo's gateway grain")}");
        }
    }

    /// <summary>The production silo's registration (<c>UseKeycardCluster</c> + <c>AddKeycardTokenGrains</c>) on in-memory configuration.</summary>
    private IHost BuildSilo()
    {
        // The empty builder has no logging providers and reads no files or environment: the demo's output is its own.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(ClusterSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Keycard:ZoneUrl"] = Zone.Issuer,
            ["Keycard:ClientId"] = Zone.ClientId,
            ["Keycard:ClientSecret"] = Zone.ClientSecret,
            ["Keycard:SubjectAudience"] = Zone.SubjectAudience,
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = StopBound);
        builder.UseOrleans(silo =>
        {
            silo.UseKeycardCluster(builder.Configuration);
            silo.AddKeycardTokenGrains(builder.Configuration.GetSection("Keycard"));
        });
        return builder.Build();
    }

    private Dictionary<string, string?> ClusterSettings() => new()
    {
        ["Cluster:Mode"] = "Localhost",
        ["Cluster:ClusterId"] = _clusterId,
        ["Cluster:ServiceId"] = "keycardsentry-demo",
        ["Cluster:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        for (var i = _apps.Count - 1; i >= 0; i--)
        {
            await _apps[i].DisposeAsync().ConfigureAwait(false);
        }

        _apps.Clear();
        if (_silo is not null)
        {
            await StopAsync(_silo).ConfigureAwait(false);
            _silo = null;
        }

        if (Sentry is not null)
        {
            await Sentry.DisposeAsync().ConfigureAwait(false);
        }

        if (Zone is not null)
        {
            await Zone.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops a host within <see cref="StopBound"/>, then disposes it: a stop cut short, or a host whose start was
    /// cancelled (Orleans refuses to stop a silo that never ran), still releases its sockets on dispose.
    /// </summary>
    internal static async Task StopAsync(IHost host)
    {
        using var bound = new CancellationTokenSource(StopBound);
        try
        {
            await host.StopAsync(bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            // Bounded, or never started: dispose below releases what is left.
        }

        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
