using KeycardSentry.Internal;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Refit;

namespace KeycardSentry.Tests.Support;

/// <summary>A host wired the way an app would be: AddKeycard + AddKeycardApi + a Refit-generated client, pointed at the local stand-ins.</summary>
public sealed class TestApp : IAsyncDisposable
{
    /// <summary>The Keycard resource the test API's tokens are exchanged for (the local zone allows any absolute URI).</summary>
    public const string Resource = "https://sentry.io/api/0";

    /// <summary>The test API's name: its options name and configuration section.</summary>
    public const string ApiName = "TestApi";

    private readonly IHost _host;

    private TestApp(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ITestSentryApi Api => Services.GetRequiredService<ITestSentryApi>();

    public IKeycardTokenProvider Tokens => Services.GetRequiredService<IKeycardTokenProvider>();

    internal IKeycardExchangeClient Exchange => Services.GetRequiredService<IKeycardExchangeClient>();

    internal ISubjectTokenValidator Validator => Services.GetRequiredService<ISubjectTokenValidator>();

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    internal static IHost Build(
        LocalKeycardZone zone,
        LocalSentryApi? sentry = null,
        Action<KeycardOptions>? keycard = null,
        Action<KeycardApiOptions>? api = null,
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
            o.SubjectAudience = zone.SubjectAudience;
            keycard?.Invoke(o);
        });
        builder.Services.AddKeycardApi(
            ApiName,
            TestScopeCatalog.Instance,
            configureEach => configureEach(builder.Services.AddRefitGeneratedClient<ITestSentryApi>(KeycardRefitSettings.Create())),
            o =>
            {
                o.BaseUrl = sentry?.BaseUrl ?? new Uri("http://127.0.0.1:9");
                o.Resource = Resource;
                api?.Invoke(o);
            });
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    internal static async Task<TestApp> StartAsync(
        LocalKeycardZone zone,
        LocalSentryApi? sentry = null,
        Action<KeycardOptions>? keycard = null,
        Action<KeycardApiOptions>? api = null,
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
