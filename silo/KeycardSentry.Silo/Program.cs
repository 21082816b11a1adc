using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using KeycardSentry;
using KeycardSentry.Orleans;
using KeycardSentry.Orleans.Internal;
using KeycardSentry.Silo;
using KeycardSentry.Silo.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

// `demo`: the whole flow offline on 127.0.0.1, nothing configured (Demo/DemoCommand.cs); Ctrl+C or SIGTERM cancels it.
if (args is [DemoCommand.Name, ..])
{
    using var cancel = new CancellationTokenSource();
    ConsoleCancelEventHandler onCtrlC = (_, e) =>
    {
        e.Cancel = true;
        cancel.Cancel();
    };
    Console.CancelKeyPress += onCtrlC;
    using var onSigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        cancel.Cancel();
    });
    try
    {
        return await DemoCommand.RunAsync(Console.Out, cancel.Token);
    }
    finally
    {
        Console.CancelKeyPress -= onCtrlC;
    }
}

// Content root = the app's folder, so its appsettings.json is found whatever the working directory (dotnet run --project).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Silo:* (HTTP), Cluster:* and Cluster:Tls:* (UseKeycardCluster) and Keycard:* are options validated at start.
// Kestrel's options are read when the app is built, so it and the dashboard take the values as bound now; values the
// validator refuses never reach a listening socket, because validation runs before the start.
var siloHost = SiloHostOptions.Register(builder.Services, builder.Configuration.GetSection(SiloHostOptions.SectionName));
var dashboard = siloHost.Dashboard;
builder.WebHost.ConfigureKestrel(kestrel =>
{
    if (siloHost.HttpEndpoint is { } endpoint)
    {
        kestrel.Listen(endpoint);
    }
});
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("orleans-silo").AddKeycardZone();
builder.UseOrleans(silo =>
{
    silo.UseKeycardCluster(builder.Configuration);
    if (dashboard)
    {
        silo.AddDashboard();
    }

    // Without Keycard:ZoneUrl the silo starts, warns, and every token request fails with zone_not_configured.
    silo.AddKeycardTokenGrains(builder.Configuration.GetSection("Keycard"));
});

var app = builder.Build();
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
if (dashboard)
{
    app.MapOrleansDashboard(routePrefix: "/dashboard");
}

// Every configuration error at once, each naming its key; then the ports, so a busy one names its key too.
if (StartupConfigurationErrors.Validate(app.Services, s => _ = s.GetRequiredService<IOptions<SiloHostOptions>>().Value) is { Count: > 0 } errors)
{
    return Fail(errors);
}

var ports = new SiloPorts(app.Services);
if (ports.FindBusy() is { Count: > 0 } busy)
{
    return Fail(busy);
}

try
{
    await app.StartAsync();
}
catch (Exception ex) when (ports.ExplainStartFailure(ex) is { } explained)
{
    return Fail([explained]);
}

var cluster = app.Services.GetRequiredService<IOptions<KeycardClusterOptions>>().Value;
var tls = app.Services.GetRequiredService<IOptions<KeycardClusterTlsOptions>>().Value;
var http = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "(unknown)";
var zone = Uri.TryCreate(app.Services.GetRequiredService<IOptions<KeycardOptions>>().Value.ZoneUrl, UriKind.Absolute, out var zoneUrl)
    ? zoneUrl.GetLeftPart(UriPartial.Authority)
    : "NOT CONFIGURED (set Keycard__ZoneUrl, Keycard__ClientId, Keycard__ClientSecret)";
Console.WriteLine($"KeycardSentry silo started: cluster {cluster.ClusterId}/{cluster.ServiceId}, mode {cluster.Mode}, silo port {cluster.SiloPort}, gateway port {cluster.GatewayPort}, cluster TLS {(tls.IsEnabled ? "on" : "off")}, Keycard zone {zone}.");
if (DescribeFailureDetection(cluster) is { Length: > 0 } failureDetection)
{
    Console.WriteLine($"KeycardSentry silo failure detection: {failureDetection}.");
}

if (tls.IsEnabled)
{
    Console.WriteLine($"KeycardSentry silo cluster TLS: {tls.Describe()}.");
}

Console.WriteLine($"KeycardSentry silo HTTP: {http}/health{(dashboard ? $", dashboard {http}/dashboard" : string.Empty)}. Stop with Ctrl+C or SIGTERM.");

await app.WaitForShutdownAsync();
Console.WriteLine("KeycardSentry silo stopped.");
return 0;

// The failure-detection keys that were set (the others keep the Orleans defaults).
static string DescribeFailureDetection(KeycardClusterOptions o) => string.Join(", ", new[]
{
    o.ProbeTimeout is { } p ? $"probe timeout {p}" : null,
    o.NumMissedProbesLimit is { } n ? $"missed probes limit {n}" : null,
    o.DeathVoteExpiration is { } d ? $"death vote expiration {d}" : null,
    o.TableRefreshTimeout is { } t ? $"table refresh {t}" : null,
    o.ResponseTimeout is { } r ? $"response timeout {r}" : null,
}.Where(x => x is not null));

static int Fail(IEnumerable<string> errors)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"KeycardSentry silo: configuration error: {error}");
    }

    return 2;
}
