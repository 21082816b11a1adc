using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using KeycardSentry.Benchmarks.Infrastructure;
using KeycardSentry.Sentry;
using KeycardSentry.Sentry.Models;
using KeycardSentry.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Refit;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// A whole typed Sentry call over loopback, cache warm: the generated Refit client (<c>AddSentryApi</c>), the Keycard
/// handler with the in-process cache, the 429 retry pipeline and Refit's JSON reading, against a Kestrel server on
/// 127.0.0.1 that answers a fixed organization body. Beside it, its floor: a hand-written <see cref="HttpClient"/> call to
/// the same server with a fixed bearer header, read with <see cref="JsonSerializer"/> into the same model type with
/// the same options. The server runs in this process, so its work is in both.
/// Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*TypedCall*'
/// </summary>
[Config(typeof(FloorConfig))]
public class TypedCallBenchmarks
{
    /// <summary>An organization as Sentry returns it (shortened lists): about 1.3 KB of JSON.</summary>
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""
        {"id":"4505","slug":"acme","status":{"id":"active","name":"active"},"name":"Acme","dateCreated":"2023-02-14T09:21:33.482917Z",
        "isEarlyAdopter":false,"require2FA":false,"avatar":{"avatarType":"letter_avatar","avatarUuid":null,"avatarUrl":null},
        "links":{"organizationUrl":"https://acme.sentry.io","regionUrl":"https://us.sentry.io"},"hasAuthProvider":false,
        "allowMemberInvite":true,"allowMemberProjectCreation":true,"allowSuperuserAccess":true,
        "features":["session-replay","performance-view","discover-query","dashboards-edit","integrations-stacktrace-link",
        "alert-filters","issue-platform","monitors","profiling-view","release-health-return-metrics","team-insights","open-membership",
        "relay","shared-issues","sso-basic","symbol-sources","data-forwarding","custom-symbol-sources","event-attachments","minute-resolution-sessions"],
        "access":["org:read","project:read","event:read","team:read","member:read","alerts:read"],"orgRole":"member","isDefault":false,
        "defaultRole":"member","openMembership":true,"allowSharedIssues":true,"enhancedPrivacy":false,"dataScrubber":false,
        "dataScrubberDefaults":false,"sensitiveFields":[],"safeFields":[],"storeCrashReports":0,"attachmentsRole":"member",
        "debugFilesRole":"admin","eventsMemberAdmin":true,"alertsMemberWrite":true,"scrubIPAddresses":false,"scrapeJavaScript":true,
        "isDynamicallySampled":true,"trustedRelays":[],"pendingAccessRequests":0,"codecovAccess":false,"aiSuggestedSolution":true,
        "githubPRBot":true,"githubOpenPRBot":true,"githubNudgeInvite":true,"quota":{"maxRate":null,"maxRateInterval":60,"accountLimit":0,"projectLimit":100}}
        """);

    private WebApplication _server = null!;
    private LocalKeycardZone _zone = null!;
    private IHost _app = null!;
    private HttpClient _http = null!;
    private ISentryOrganizationsApi _organizations = null!;
    private JsonSerializerOptions _json = null!;
    private string _subject = null!;
    private string _accessToken = null!;
    private ISentryOrganizationsApi? _refitOnly;
    private IHost? _noRetryApp;
    private ISentryOrganizationsApi? _noRetry;

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/api/0/organizations/{slug}/", (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = Body.Length;
            return context.Response.Body.WriteAsync(Body).AsTask();
        });
        _server.StartAsync().GetAwaiter().GetResult();
        var baseUrl = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        _zone = LocalKeycardZone.StartAsync().GetAwaiter().GetResult();
        _subject = _zone.MintSubjectToken("alice", TimeSpan.FromHours(4));
        _app = InProcessApp.Start(_zone, services: s => s.AddSentryApi(o => o.BaseUrl = baseUrl));
        _organizations = _app.Services.GetRequiredService<ISentryOrganizationsApi>();
        _accessToken = _app.Services.GetRequiredService<IKeycardTokenProvider>()
            .GetTokenAsync(new KeycardTokenRequest(_subject, InProcessApp.Resource)).AsTask().GetAwaiter().GetResult().AccessToken;

        // The floor reads with the options Refit's System.Text.Json serializer uses by default.
        _json = SystemTextJsonContentSerializer.GetDefaultJsonSerializerOptions();
        _http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = baseUrl };

        // For profiling only (not a benchmark): the generated Refit client alone on a plain HttpClient with a fixed bearer.
        var plain = new HttpClient(new SocketsHttpHandler()) { BaseAddress = baseUrl };
        plain.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        _refitOnly = RestService.ForGenerated<ISentryOrganizationsApi>(plain, KeycardRefitSettings.Create());
        _noRetryApp = InProcessApp.Start(_zone, services: s => s.AddSentryApi(o => (o.BaseUrl, o.MaxRateLimitRetries) = (baseUrl, 0)));
        _noRetry = _noRetryApp.Services.GetRequiredService<ISentryOrganizationsApi>();
        if (Typed().GetAwaiter().GetResult() != "acme" || HandWritten().GetAwaiter().GetResult() != "acme")
        {
            throw new InvalidOperationException("the server did not answer the organization");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _http.Dispose();
        InProcessApp.Stop(_app, _noRetryApp);
        _server.StopAsync().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _zone.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Hand-written: GET with a fixed bearer header, the body read into the model with JsonSerializer.</summary>
    [Benchmark(Baseline = true)]
    public async Task<string?> HandWritten()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/0/organizations/acme/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var organization = await response.Content.ReadFromJsonAsync<Organization>(_json).ConfigureAwait(false);
        return organization!.Slug;
    }

    /// <summary>Profiling aid: the generated Refit client without IHttpClientFactory, the Keycard handler or the retry pipeline.</summary>
    internal async Task<string?> RefitOnly() => (await _refitOnly!.GetOrganizationAsync("acme").ConfigureAwait(false)).Slug;

    /// <summary>Profiling aid: the SDK with <c>MaxRateLimitRetries = 0</c> (the retry pipeline without a strategy).</summary>
    internal async Task<string?> TypedNoRetry()
    {
        using (KeycardSubject.Use(_subject))
        {
            return (await _noRetry!.GetOrganizationAsync("acme").ConfigureAwait(false)).Slug;
        }
    }

    /// <summary>The SDK: the user's subject for the call, the generated client, everything behind it.</summary>
    [Benchmark]
    public async Task<string?> Typed()
    {
        using (KeycardSubject.Use(_subject))
        {
            var organization = await _organizations.GetOrganizationAsync("acme").ConfigureAwait(false);
            return organization.Slug;
        }
    }
}
