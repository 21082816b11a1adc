using KeycardSentry.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Sentry.Tests.Infrastructure;

/// <summary>
/// An application host that uses the generated Sentry SDK the way an app does: <c>AddSentryApi</c> plus a token source,
/// either the in-process cache (<c>AddKeycard</c>) or the cluster (<c>AddKeycardOrleansTokenCache</c> with a grain factory).
/// Started as a host so the options are validated at start, as in production.
/// </summary>
internal sealed class SentryApp : IAsyncDisposable
{
    private readonly IHost _host;

    private SentryApp(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ISentryOrganizationsApi Organizations => Services.GetRequiredService<ISentryOrganizationsApi>();

    /// <summary>An app with the in-process token cache, exchanging at the stand's zone itself; on <paramref name="time"/> when given.</summary>
    public static Task<SentryApp> StartInProcessAsync(SentryStand stand, TimeProvider? time = null) =>
        StartAsync(stand, services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }

            services.AddKeycard(o =>
            {
                o.ZoneUrl = stand.Zone.ZoneUrl.ToString();
                o.ClientId = stand.Zone.ClientId;
                o.ClientSecret = stand.Zone.ClientSecret;
                o.SubjectAudience = stand.Zone.SubjectAudience;
            });
        });

    /// <summary>An app that is an Orleans client of a cluster: no Keycard credentials, tokens come from the user grains.</summary>
    public static Task<SentryApp> StartOrleansClientAsync(SentryStand stand, IGrainFactory grains) =>
        StartAsync(stand, services =>
        {
            services.AddSingleton(grains);
            services.AddKeycardOrleansTokenCache();
        });

    private static async Task<SentryApp> StartAsync(SentryStand stand, Action<IServiceCollection> addTokenSource)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        addTokenSource(builder.Services);
        builder.Services.AddSentryApi(o => o.BaseUrl = stand.Sentry.BaseUrl);
        var host = builder.Build();
        await host.StartAsync();
        return new SentryApp(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
