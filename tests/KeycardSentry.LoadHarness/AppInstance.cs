using KeycardSentry.Orleans;
using KeycardSentry.Sentry;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.LoadHarness;

/// <summary>Where the Keycard zone is and how the app authenticates there (what an app's <c>Keycard</c> section holds).</summary>
internal sealed record ZoneSettings(string Url, string ClientId, string ClientSecret, string Audience)
{
    public static ZoneSettings From(LocalKeycardZone zone) => new(zone.ZoneUrl.ToString(), zone.ClientId, zone.ClientSecret, zone.SubjectAudience);
}

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

    /// <summary>The token provider the instance's Sentry clients use.</summary>
    public IKeycardTokenProvider Tokens => _host.Services.GetRequiredService<IKeycardTokenProvider>();

    /// <summary>The in-process cache: <c>AddKeycard</c> + <c>AddSentryApi</c>.</summary>
    public static Task<AppInstance> StartInProcessAsync(ZoneSettings zone, Uri sentry, LatencyRecorder? tokenGets = null) =>
        StartAsync(sentry, tokenGets, builder => AddZone(builder.Services, zone));

    /// <summary>Keycard's SDK behaviour: the same clients, but a provider that exchanges on every call.</summary>
    public static Task<AppInstance> StartNaiveAsync(ZoneSettings zone, Uri sentry, LatencyRecorder? tokenGets = null) =>
        StartAsync(sentry, tokenGets, builder =>
        {
            AddZone(builder.Services, zone);
            builder.Services.Replace(ServiceDescriptor.Singleton<IKeycardTokenProvider, NoCacheTokenProvider>());
        });

    /// <summary>
    /// An Orleans client app: <c>AddKeycardOrleansTokenCache</c> + <c>AddSentryApi</c>, no Keycard settings at all (the
    /// silos' gateway grain validates subject tokens); with the client-side near cache (the default) or without it.
    /// </summary>
    public static Task<AppInstance> StartOrleansClientAsync(LocalSiloCluster cluster, Uri sentry, bool nearCache = true, LatencyRecorder? tokenGets = null) =>
        StartAsync(sentry, tokenGets, builder =>
        {
            builder.UseOrleansClient(client => cluster.ConfigureClient(client));
            builder.Services.AddKeycardOrleansTokenCache(o => o.NearCache = nearCache);
        });

    /// <summary>As <see cref="StartOrleansClientAsync(LocalSiloCluster, Uri, bool, LatencyRecorder?)"/>, joining the cluster from <c>Cluster:*</c> settings (e.g. Redis).</summary>
    public static Task<AppInstance> StartOrleansClientAsync(IReadOnlyDictionary<string, string?> clusterSettings, Uri sentry, bool nearCache, LatencyRecorder? tokenGets = null) =>
        StartAsync(sentry, tokenGets, builder =>
        {
            builder.Configuration.AddInMemoryCollection(clusterSettings);
            builder.UseOrleansClient(client => client.UseKeycardCluster(builder.Configuration));
            builder.Services.AddKeycardOrleansTokenCache(o => o.NearCache = nearCache);
        });

    internal static void AddZone(IServiceCollection services, ZoneSettings zone, Action<KeycardOptions>? keycard = null) =>
        services.AddKeycard(o =>
        {
            o.ZoneUrl = zone.Url;
            o.ClientId = zone.ClientId;
            o.ClientSecret = zone.ClientSecret;
            o.SubjectAudience = zone.Audience;
            keycard?.Invoke(o);
        });

    private static async Task<AppInstance> StartAsync(Uri sentry, LatencyRecorder? tokenGets, Action<HostApplicationBuilder> addTokenSource)
    {
        // The empty builder has no logging providers and no configuration files: nothing but the harness prints.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        addTokenSource(builder);
        if (tokenGets is not null)
        {
            TokenGetTimer.Decorate(builder.Services, tokenGets);
        }

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
