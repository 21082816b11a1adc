using System.Net;
using BenchmarkDotNet.Attributes;
using KeycardSentry.Internal;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// One successful call through the Keycard token handler (token cache hit, scope check, bearer header) to an
/// in-memory 200 answer, so the numbers are the handler's own per-call work. JWT subject (validation remembered) and
/// opaque subject. Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*Handler*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class HandlerBenchmarks
{
    private static readonly Uri Url = new("http://127.0.0.1:9/api/0/organizations/acme/");

    private LocalKeycardZone _zone = null!;
    private IHost _host = null!;
    private HttpMessageInvoker _jwtInvoker = null!;
    private HttpMessageInvoker _opaqueInvoker = null!;

    [GlobalSetup]
    public void Setup()
    {
        _zone = LocalKeycardZone.StartAsync().GetAwaiter().GetResult();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKeycard(o =>
        {
            o.ZoneUrl = _zone.Issuer;
            o.ClientId = _zone.ClientId;
            o.ClientSecret = _zone.ClientSecret;
            o.SubjectAudience = _zone.SubjectAudience;
            o.SubjectTokens = SubjectTokenKinds.JwtOrOpaque;
        });
        _host = builder.Build();
        _host.StartAsync().GetAwaiter().GetResult();
        var tokens = _host.Services.GetRequiredService<IKeycardTokenProvider>();
        var options = new KeycardApiOptions { Resource = "https://sentry.io/api/0", Scopes = ["project:read", "org:read", "org:read", " event:read "] };
        _jwtInvoker = Invoker(tokens, options, _zone.MintSubjectToken("alice"));
        _opaqueInvoker = Invoker(tokens, options, _zone.MintOpaqueSubjectToken("bob"));
        using var warmJwt = _jwtInvoker.SendAsync(Request(), CancellationToken.None).GetAwaiter().GetResult();
        using var warmOpaque = _opaqueInvoker.SendAsync(Request(), CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _jwtInvoker.Dispose();
        _opaqueInvoker.Dispose();
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _zone.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public async Task<HttpStatusCode> HandlerJwtSubject()
    {
        using var response = await _jwtInvoker.SendAsync(Request(), CancellationToken.None).ConfigureAwait(false);
        return response.StatusCode;
    }

    [Benchmark]
    public async Task<HttpStatusCode> HandlerOpaqueSubject()
    {
        using var response = await _opaqueInvoker.SendAsync(Request(), CancellationToken.None).ConfigureAwait(false);
        return response.StatusCode;
    }

    private static HttpRequestMessage Request()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Url);
        request.Options.Set(new HttpRequestOptionsKey<Type>(KeycardTokenHandler.RefitInterfaceTypeKey), typeof(IBenchmarkApi));
        request.Options.Set(new HttpRequestOptionsKey<string>(KeycardTokenHandler.RefitMethodNameKey), nameof(IBenchmarkApi.GetOrganization));
        return request;
    }

    private static HttpMessageInvoker Invoker(IKeycardTokenProvider tokens, KeycardApiOptions options, string subjectToken) =>
        new(new KeycardTokenHandler(tokens, new FixedSubject(subjectToken), new BenchmarkCatalog(), KeycardApiProfile.Default, options, new UnauthorizedSubjects(options.UnauthorizedCooldown, TimeProvider.System), NullLogger.Instance)
        {
            InnerHandler = new OkHandler(),
        });

    /// <summary>Stands for a generated Sentry client interface.</summary>
    public interface IBenchmarkApi
    {
        /// <summary>Stands for one API method.</summary>
        Task GetOrganization();
    }

    private sealed class FixedSubject(string token) : ISubjectTokenAccessor
    {
        public string? GetSubjectToken() => token;
    }

    private sealed class OkHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
    }

    private sealed class BenchmarkCatalog : IApiScopeCatalog
    {
        private static readonly IReadOnlyList<string> Required = ["org:read", "org:write", "org:admin"];

        public string Resource => "https://sentry.io/api/0";

        public IReadOnlyList<string> DefaultGrant { get; } = ["org:read"];

        public IReadOnlyDictionary<string, IReadOnlyList<string>> Implications { get; } =
            new Dictionary<string, IReadOnlyList<string>> { ["org:admin"] = ["org:write"], ["org:write"] = ["org:read"] };

        public bool TryGetRequiredScopes(Type interfaceType, string methodName, out IReadOnlyList<string> anyOf)
        {
            anyOf = Required;
            return interfaceType == typeof(IBenchmarkApi);
        }
    }
}
