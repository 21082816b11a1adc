using KeycardSentry.Sentry;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

[assembly: AssemblyFixture(typeof(KeycardSentry.Contract.Tests.Infrastructure.ContractFixture))]

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// The whole run's Prism, and an app calling it as a user would: <c>AddKeycard</c> against the local Keycard zone (so
/// every call carries a real exchanged bearer token, granted every Sentry scope) and <c>AddSentryApi</c> with Prism
/// as the base URL, every client's exchanges recorded. Started on first use, so a skipped run starts nothing.
/// </summary>
public sealed class ContractFixture : IAsyncDisposable
{
    private readonly PrismServer _prism = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LocalKeycardZone? _zone;
    private IHost? _app;
    private ContractSession? _session;

    /// <summary>The started session: Prism listening and the app calling it (skips the test when Prism or the document is missing).</summary>
    internal async Task<ContractSession> StartAsync(CancellationToken cancellationToken)
    {
        var prism = await _prism.StartAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is not null)
            {
                return _session;
            }

            _zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { DefaultGrantedScopes = [.. SentryScopes.All] }).ConfigureAwait(false);
            var recorder = new ExchangeRecorder(prism);
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddKeycard(o => (o.ZoneUrl, o.ClientId, o.ClientSecret, o.SubjectAudience) = (_zone.Issuer, _zone.ClientId, _zone.ClientSecret, _zone.SubjectAudience));
            builder.Services.AddSentryApi(o =>
            {
                o.BaseUrl = prism;
                o.MaxRateLimitRetries = 0; // Prism never answers 429; a retry would only hide a failure
            });
            // The recorder is every client's innermost handler: it sees every request as sent (after the Keycard handler) and every answer.
            builder.Services.AddSingleton(recorder.Filter());
            _app = builder.Build();
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
            var spec = ContractSpec.Load(PrismServer.SpecPath);
            _session = new ContractSession(new OperationCaller(_app.Services, spec, recorder), _zone.MintSubjectToken("contract-user", TimeSpan.FromHours(2)), _prism);
            return _session;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            _app.Dispose();
        }

        if (_zone is not null)
        {
            await _zone.DisposeAsync().ConfigureAwait(false);
        }

        await _prism.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}

/// <summary>A started contract run: calls operations for one user and explains failures with Prism's output.</summary>
internal sealed class ContractSession(OperationCaller caller, string subjectToken, PrismServer prism)
{
    /// <summary>
    /// Calls each operation once, <paramref name="parallelism"/> at a time, as the same user; those
    /// <paramref name="staticResponse"/> picks are answered with the document's example instead of a generated body.
    /// </summary>
    public async Task<IReadOnlyList<CallResult>> CallAsync(IEnumerable<SentryOperationInfo> operations, Func<string, bool> staticResponse, int parallelism, CancellationToken cancellationToken)
    {
        var results = new System.Collections.Concurrent.ConcurrentBag<CallResult>();
        await Parallel.ForEachAsync(operations, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (operation, ct) =>
        {
            using (KeycardSubject.Use(subjectToken))
            {
                results.Add(await caller.CallAsync(operation, staticResponse(operation.OperationId), ct).ConfigureAwait(false));
            }
        }).ConfigureAwait(false);
        return [.. results.OrderBy(r => r.Operation.OperationId, StringComparer.Ordinal)];
    }

    public string PrismTail => prism.Tail();
}
