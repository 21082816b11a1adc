// <readme:orleans-silo-app>
using KeycardSentry.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// </readme:orleans-silo-app>

namespace ReadmeSnippets;

/// <summary>README.md, "One exchange per user for the whole cluster": an app that is a silo; compiled as shown.</summary>
internal static class OrleansSiloAppSnippet
{
    public static void Configure(IHostApplicationBuilder builder)
    {
        // <readme:orleans-silo-app>
        builder.Services.AddKeycard(builder.Configuration.GetSection("Keycard")).AddKeycardOrleansTokenCache();
        builder.UseOrleans(silo => silo
            .UseKeycardCluster(builder.Configuration)                         // Cluster:* (below)
            .AddKeycardTokenGrains());                                          // the grains use AddKeycard's options
        builder.Services.AddSentryApi();   // unchanged: the generated clients and the handler work on top
        // </readme:orleans-silo-app>
    }
}
