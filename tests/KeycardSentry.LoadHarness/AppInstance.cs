using KeycardSentry.Orleans;
using KeycardSentry.Sentry;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.LoadHarness;

/// <summary>One application instance (its own host and service provider) calling Sentry through the generated SDK.</summary>
internal sealed class AppInstance : IAsyncDisposable
{
    private readonly IHost _host;

    private AppInstance(IHost host)
    {
        _host = host;
        Organizations = host.Services.GetRequiredService<ISentryOrganizationsApi>();
    }

    public ISentryOrganizationsApi Organizations { get; }

    /// <summary>The in-process cache: <c>AddKeycard</c> + <c>AddSentryApi</c>.</summary>
    public static Task<AppInstance> StartInProcessAsync(LocalKeycardZone zone, Uri sentry) =>
        StartAsync(sentry, builder => AddZone(builder.Services, zone));

    /// <summary>Keycard's SDK behaviour: the same clients, but a provider that exchanges on every call.</summary>
    public static Task<AppInstance> StartNaiveAsync(LocalKeycardZone zone, Uri sentry) =>
        StartAsync(sentry, builder =>
        {
            AddZone(builder.Services, zone);
            builder.Services.Replace(ServiceDescriptor.Singleton<IKeycardTokenProvider, NoCacheTokenProvider>());
        });

    /// <summary>
    /// An Orleans client app: <c>AddKeycardOrleansTokenCache</c> + <c>AddSentryApi</c>, no Keycard credentials; with the
    /// client-side near cache (the default) or without it (every call a grain call).
    /// </summary>
    public static Task<AppInstance> StartOrleansClientAsync(LocalSiloCluster cluster, Uri sentry, bool nearCache = true) =>
        StartAsync(sentry, builder =>
        {
            builder.UseOrleansClient(client => cluster.ConfigureClient(client));
            builder.Services.AddKeycardOrleansTokenCache(o => o.NearCache = nearCache);
        });

    internal static void AddZone(IServiceCollection services, LocalKeycardZone zone) =>
        services.AddKeycard(o =>
        {
            o.ZoneUrl = zone.ZoneUrl.ToString();
            o.ClientId = zone.ClientId;
            o.ClientSecret = zone.ClientSecret;
            o.SubjectAudience = zone.SubjectAudience;
        });

    private static async Task<AppInstance> StartAsync(Uri sentry, Action<HostApplicationBuilder> addTokenSource)
    {
        // The empty builder has no logging providers and no configuration files: nothing but the harness prints.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        addTokenSource(builder);
        builder.Services.AddSentryApi(o => o.BaseUrl = sentry);
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return new AppInstance(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}
