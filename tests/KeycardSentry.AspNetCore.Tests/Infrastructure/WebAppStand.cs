using System.Net.Http.Headers;
using KeycardSentry.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace KeycardSentry.AspNetCore.Tests.Infrastructure;

/// <summary>
/// The README's ASP.NET Core app (<see cref="ReadmeProgram"/>) on Kestrel at <c>http://127.0.0.1:{free port}</c>, with
/// the local Keycard zone (which signs the callers' tokens and does the exchanges) and the Sentry stand-in behind it,
/// configured only through configuration keys, as an app would be.
/// </summary>
internal sealed class WebAppStand : IAsyncDisposable
{
    private readonly List<HttpClient> _clients = [];

    private WebAppStand(LocalKeycardZone zone, LocalSentryApi sentry, WebApplication app, Uri baseUrl)
    {
        Zone = zone;
        Sentry = sentry;
        App = app;
        BaseUrl = baseUrl;
    }

    public LocalKeycardZone Zone { get; }

    public LocalSentryApi Sentry { get; }

    public WebApplication App { get; }

    public Uri BaseUrl { get; }

    public FakeLogCollector Logs => App.Services.GetFakeLogCollector();

    /// <summary>Starts the stand. <paramref name="configure"/> runs before the README's registrations, <paramref name="map"/> after its endpoint.</summary>
    public static async Task<WebAppStand> StartAsync(Action<WebApplicationBuilder, LocalKeycardZone>? configure = null, Action<WebApplication>? map = null)
    {
        var zone = await LocalKeycardZone.StartAsync();
        LocalSentryApi? sentry = null;
        try
        {
            sentry = await LocalSentryApi.StartAsync(zone);
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                Args = ["--urls", "http://127.0.0.1:0"],
                ContentRootPath = AppContext.BaseDirectory,
                EnvironmentName = Environments.Production,
            });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Keycard:ZoneUrl"] = zone.Issuer,
                ["Keycard:ClientId"] = zone.ClientId,
                ["Keycard:ClientSecret"] = zone.ClientSecret,
                ["Keycard:SubjectAudience"] = zone.SubjectAudience,
                ["SentryApi:BaseUrl"] = sentry.BaseUrl.ToString(),
            });
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging();

            // The local zone serves its metadata over http on loopback, and its subject tokens carry no audience.
            builder.Services.PostConfigureAll<JwtBearerOptions>(o =>
            {
                o.RequireHttpsMetadata = false;
                o.TokenValidationParameters.ValidateAudience = false;
            });
            configure?.Invoke(builder, zone);

            var app = ReadmeProgram.Build(builder);
            app.Use(WriteErrorsAsText);
            map?.Invoke(app);
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new WebAppStand(zone, sentry, app, new Uri(address, UriKind.Absolute));
        }
        catch
        {
            if (sentry is not null)
            {
                await sentry.DisposeAsync();
            }

            await zone.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of the app (with its own cookie jar).</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new() }) { BaseAddress = BaseUrl };
        _clients.Add(client);
        return client;
    }

    /// <summary>GET <paramref name="path"/> with <c>Authorization: Bearer {token}</c> (none when null).</summary>
    public static Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>The requests the stand-in received whose <c>query</c> parameter is <paramref name="query"/>.</summary>
    public IReadOnlyList<SentryRequestRecord> SentryRequestsWithQuery(string query) =>
        [.. Sentry.Requests.Where(r => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(r.Query).TryGetValue("query", out var q) && q == query)];

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
        await Sentry.DisposeAsync();
        await Zone.DisposeAsync();
    }

    // Test apps answer an exception with 500 and "Type: message", so tests can read what the endpoint would have thrown.
    private static async Task WriteErrorsAsText(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync(ex.GetType().Name + ": " + ex.Message, context.RequestAborted);
        }
    }
}
