using System.Net;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using KeycardSentry.Benchmarks.Infrastructure;
using KeycardSentry.Internal;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// One successful call through <c>KeycardTokenHandler</c> (the user's subject from <see cref="KeycardSubject.Use"/>, the
/// in-process cache, the scope check, the bearer header) to an in-memory 200 answer, beside its floor: a handler that
/// puts a bearer token on the request after the cheapest lookup of the user's token, a dictionary keyed by the subject
/// token string. Both build the request as Refit does (method, URI, the interface and method in its options).
/// Run: dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*Handler*'
/// </summary>
[Config(typeof(FloorConfig))]
public class HandlerBenchmarks
{
    private static readonly Uri Url = new("http://127.0.0.1:9/api/0/organizations/acme/");
    private static readonly HttpRequestOptionsKey<Type> InterfaceKey = new(KeycardTokenHandler.RefitInterfaceTypeKey);
    private static readonly HttpRequestOptionsKey<string> MethodKey = new(KeycardTokenHandler.RefitMethodNameKey);

    private LocalKeycardZone _zone = null!;
    private IHost _host = null!;
    private HttpMessageInvoker _floor = null!;
    private HttpMessageInvoker _handler = null!;
    private string _jwt = null!;
    private string _opaque = null!;

    [GlobalSetup]
    public void Setup()
    {
        _zone = LocalKeycardZone.StartAsync().GetAwaiter().GetResult();
        _host = InProcessApp.Start(_zone);
        var tokens = _host.Services.GetRequiredService<IKeycardTokenProvider>();
        var options = new KeycardApiOptions { Resource = InProcessApp.Resource, Scopes = ["project:read", "org:read", "event:read"] };
        _jwt = _zone.MintSubjectToken("alice", TimeSpan.FromHours(4));
        _opaque = _zone.MintOpaqueSubjectToken("bob");
        var subject = new AmbientSubjectTokenAccessor();
        _handler = new HttpMessageInvoker(new KeycardTokenHandler(
            tokens, subject, new BenchmarkCatalog(), KeycardApiProfile.Default, options,
            new UnauthorizedSubjects(options.UnauthorizedCooldown, TimeProvider.System), NullLogger.Instance)
        {
            InnerHandler = new OkHandler(),
        });

        // The floor knows each user's access token already (the very token the cache holds).
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in new[] { _jwt, _opaque })
        {
            known[user] = tokens.GetTokenAsync(new KeycardTokenRequest(user, InProcessApp.Resource, options.Scopes)).AsTask().GetAwaiter().GetResult().AccessToken;
            using (KeycardSubject.Use(user))
            {
                using var warm = _handler.SendAsync(Request(), CancellationToken.None).GetAwaiter().GetResult();
            }
        }

        _floor = new HttpMessageInvoker(new FixedBearerHandler(subject, known) { InnerHandler = new OkHandler() });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _handler.Dispose();
        _floor.Dispose();
        InProcessApp.Stop(_host);
        _zone.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<HttpStatusCode> FixedBearerDictionaryLookup() => SendAsync(_floor, _jwt);

    [Benchmark]
    public Task<HttpStatusCode> HandlerJwtSubject() => SendAsync(_handler, _jwt);

    [Benchmark]
    public Task<HttpStatusCode> HandlerOpaqueSubject() => SendAsync(_handler, _opaque);

    private static async Task<HttpStatusCode> SendAsync(HttpMessageInvoker invoker, string subject)
    {
        using (KeycardSubject.Use(subject))
        {
            using var response = await invoker.SendAsync(Request(), CancellationToken.None).ConfigureAwait(false);
            return response.StatusCode;
        }
    }

    private static HttpRequestMessage Request()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Url);
        request.Options.Set(InterfaceKey, typeof(IBenchmarkApi));
        request.Options.Set(MethodKey, nameof(IBenchmarkApi.GetOrganization));
        return request;
    }

    /// <summary>Stands for a generated Sentry client interface.</summary>
    public interface IBenchmarkApi
    {
        /// <summary>Stands for one API method.</summary>
        Task GetOrganization();
    }

    /// <summary>The floor: the current user's access token from a dictionary keyed by the subject token, as a bearer header.</summary>
    private sealed class FixedBearerHandler(ISubjectTokenAccessor subject, Dictionary<string, string> tokens) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[subject.GetSubjectToken()!]);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class OkHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
    }

    private sealed class BenchmarkCatalog : IApiScopeCatalog
    {
        private static readonly IReadOnlyList<string> Required = ["org:read", "org:write", "org:admin"];

        public string Resource => InProcessApp.Resource;

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
