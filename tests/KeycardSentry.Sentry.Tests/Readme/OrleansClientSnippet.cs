// <readme:orleans-client-app>
using KeycardSentry.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// </readme:orleans-client-app>

namespace ReadmeSnippets;

/// <summary>README.md: an app that connects to the silos as an Orleans client; compiled as shown.</summary>
internal static class OrleansClientAppSnippet
{
    public static void Configure(IHostApplicationBuilder builder)
    {
        // <readme:orleans-client-app>
        // no Keycard secret here; with the zone's URL and audience this app validates subject tokens itself
        builder.Services.AddKeycardOrleansTokenCache(builder.Configuration.GetSection("Keycard"));
        builder.UseOrleansClient(client => client.UseKeycardCluster(builder.Configuration)); // Cluster:* and Cluster:Tls:* as the silos
        builder.Services.AddSentryApi();
        // </readme:orleans-client-app>
    }

    public static void ConfigureNearCache(IHostApplicationBuilder builder)
    {
        // <readme:near-cache>
        builder.Services.AddKeycardOrleansTokenCache(o => o.NearCacheMaxAge = TimeSpan.FromMinutes(2));
        // </readme:near-cache>
    }
}
