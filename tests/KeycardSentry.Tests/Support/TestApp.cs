using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Refit;

namespace KeycardSentry.Tests.Support;

/// <summary>A host wired the way an app would be: AddKeycard + AddKeycardApiClients + a Refit-generated client, pointed at the local stand-ins.</summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly IHost _host;

    private TestApp(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ITestSentryApi Api => Services.GetRequiredService<ITestSentryApi>();

    public IKeycardTokenProvider Tokens => Services.GetRequiredService<IKeycardTokenProvider>();

    public IKeycardExchangeClient Exchange => Services.GetRequiredService<IKeycardExchangeClient>();

    public ISubjectTokenValidator Validator => Services.GetRequiredService<ISubjectTokenValidator>();

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    public static IHost Build(
        LocalKeycardZone zone,
        LocalSentryApi? sentry = null,
        Action<KeycardOptions>? keycard = null,
        Action<SentryApiOptions>? api = null,
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddKeycard(o =>
        {
            o.ZoneUrl = zone.Issuer;
            o.ClientId = zone.ClientId;
            o.ClientSecret = zone.ClientSecret;
            keycard?.Invoke(o);
        });
        builder.Services.AddKeycardApiClients(
            TestScopeCatalog.Instance,
            configureEach => configureEach(builder.Services.AddRefitGeneratedClient<ITestSentryApi>(KeycardRefitSettings.Create())),
            o =>
            {
                o.BaseUrl = sentry?.BaseUrl ?? new Uri("http://127.0.0.1:9");
                api?.Invoke(o);
            });
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    public static async Task<TestApp> StartAsync(
        LocalKeycardZone zone,
        LocalSentryApi? sentry = null,
        Action<KeycardOptions>? keycard = null,
        Action<SentryApiOptions>? api = null,
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null)
    {
        var host = Build(zone, sentry, keycard, api, time, services);
        await host.StartAsync(Xunit.TestContext.Current.CancellationToken);
        return new TestApp(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
