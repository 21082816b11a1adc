using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Benchmarks.Infrastructure;

/// <summary>An app with the in-process token cache (<c>AddKeycard</c>, default options) against a local zone.</summary>
internal static class InProcessApp
{
    public const string Resource = "https://sentry.io/api/0";

    public static IHost Start(LocalKeycardZone zone, Action<KeycardOptions>? keycard = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKeycard(o => Configure(o, zone, keycard));
        services?.Invoke(builder.Services);
        var host = builder.Build();
        host.StartAsync().GetAwaiter().GetResult();
        return host;
    }

    public static void Configure(KeycardOptions options, LocalKeycardZone zone, Action<KeycardOptions>? keycard = null)
    {
        options.ZoneUrl = zone.Issuer;
        options.ClientId = zone.ClientId;
        options.ClientSecret = zone.ClientSecret;
        options.SubjectAudience = zone.SubjectAudience;
        options.SubjectTokens = SubjectTokenKinds.JwtOrOpaque;
        keycard?.Invoke(options);
    }

    public static void Stop(params IHost?[] hosts)
    {
        foreach (var host in hosts)
        {
            if (host is not null)
            {
                host.StopAsync().GetAwaiter().GetResult();
                host.Dispose();
            }
        }
    }
}
