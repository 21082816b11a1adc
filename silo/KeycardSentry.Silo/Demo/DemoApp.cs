using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Silo.Demo;

/// <summary>
/// One application instance as a user would write it: its own host, an Orleans client of the demo cluster
/// (<c>UseKeycardCluster</c>), <c>AddKeycardOrleansTokenCache</c> (no Keycard client secret: the silo exchanges) and
/// <c>AddSentryApi</c> pointed at the Sentry stand-in.
/// </summary>
internal sealed class DemoApp : IAsyncDisposable
{
    private readonly IHost _host;

    private DemoApp(string name, bool validatesItself, IHost host)
    {
        Name = name;
        ValidatesItself = validatesItself;
        _host = host;
    }

    public string Name { get; }

    /// <summary>True when this app knows the zone and validates subject tokens itself; false when the silo's gateway grain does.</summary>
    public bool ValidatesItself { get; }

    /// <summary>The app's services: the generated Sentry clients (<c>ISentryOrganizationsApi</c>, ...).</summary>
    public IServiceProvider Services => _host.Services;

    public static async Task<DemoApp> StartAsync(
        string name,
        bool validatesItself,
        IDictionary<string, string?> cluster,
        LocalKeycardZone zone,
        Uri sentry,
        CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(cluster);
        if (validatesItself)
        {
            // The zone's address and this app's audience only: enough to validate subject tokens, no secret.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Keycard:ZoneUrl"] = zone.Issuer,
                ["Keycard:SubjectAudience"] = zone.SubjectAudience,
            });
        }

        builder.UseOrleansClient(client => client.UseKeycardCluster(builder.Configuration));
        if (validatesItself)
        {
            builder.Services.AddKeycardOrleansTokenCache(builder.Configuration.GetSection("Keycard"));
        }
        else
        {
            builder.Services.AddKeycardOrleansTokenCache();
        }

        builder.Services.AddSentryApi(o => o.BaseUrl = sentry);
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DemoEnvironment.StopAsync(host).ConfigureAwait(false);
            throw;
        }

        return new DemoApp(name, validatesItself, host);
    }

    public T Api<T>()
        where T : notnull => _host.Services.GetRequiredService<T>();

    public ValueTask DisposeAsync() => new(DemoEnvironment.StopAsync(_host));
}
