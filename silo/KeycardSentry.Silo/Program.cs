using System.Net;
using KeycardSentry.Orleans;
using KeycardSentry.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;

// Content root = the app's folder, so its appsettings.json is found whatever the working directory (dotnet run --project).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

var errors = new List<string>();
var settings = SiloSettings.Read(builder.Configuration, errors);
if (settings is null)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"KeycardSentry silo: configuration error: {error}");
    }

    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(settings.HttpBindAddress, settings.HttpPort));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("orleans-silo");

builder.UseOrleans(silo =>
{
    if (settings.Mode == ClusterMode.Localhost)
    {
        silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
    }
    else
    {
        silo.UseRedisClustering(settings.RedisConnectionString!);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });

        if (settings.AdvertisedIP is { } advertised)
        {
            // A loopback address means "all silos on this machine": then listen only there.
            silo.ConfigureEndpoints(advertised, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        }
        else
        {
            silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        }
    }

    // Optional Cluster:ProbeTimeout / NumMissedProbesLimit / DeathVoteExpiration / TableRefreshTimeout / ResponseTimeout.
    settings.FailureDetection.Apply(silo);

    if (settings.Dashboard)
    {
        silo.AddDashboard();
    }

    if (settings.Tls is { } tls)
    {
        silo.UseKeycardClusterTls(tls);
    }

    silo.AddKeycardTokenGrains(builder.Configuration.GetSection("Keycard"));
});

var app = builder.Build();
app.MapHealthChecks("/health");
if (settings.Dashboard)
{
    app.MapOrleansDashboard(routePrefix: "/dashboard");
}

await app.StartAsync();

var http = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{settings.HttpBindAddress}:{settings.HttpPort}";
var zone = settings.ZoneUrl is { } z ? z.GetLeftPart(UriPartial.Authority) : "NOT CONFIGURED (set Keycard__ZoneUrl, Keycard__ClientId, Keycard__ClientSecret)";
Console.WriteLine($"KeycardSentry silo started: cluster {settings.ClusterId}/{settings.ServiceId}, mode {settings.Mode}, silo port {settings.SiloPort}, gateway port {settings.GatewayPort}, cluster TLS {(settings.Tls is null ? "off" : "on")}, Keycard zone {zone}.");
if (settings.FailureDetection.Any)
{
    Console.WriteLine($"KeycardSentry silo failure detection: {settings.FailureDetection.Describe()}.");
}

if (settings.Tls is { } tlsOptions)
{
    Console.WriteLine($"KeycardSentry silo cluster TLS: {tlsOptions.Describe()}.");
}

Console.WriteLine($"KeycardSentry silo HTTP: {http}/health{(settings.Dashboard ? $", dashboard {http}/dashboard" : string.Empty)}. Stop with Ctrl+C or SIGTERM.");

await app.WaitForShutdownAsync();
Console.WriteLine("KeycardSentry silo stopped.");
return 0;
