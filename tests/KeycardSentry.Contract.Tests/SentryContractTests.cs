using KeycardSentry.Contract.Tests.Infrastructure;
using KeycardSentry.Sentry;

namespace KeycardSentry.Contract.Tests;

/// <summary>
/// Sentry's own contract: every GET operation, and every write operation, called through the generated clients
/// (<c>AddSentryApi</c> + <c>AddKeycard</c>, a real exchanged bearer token on each call) against Stoplight Prism
/// serving Sentry's published document with <c>--errors</c>. A request that breaks the document is answered 4xx with
/// an <c>sl-violations</c> header naming the rule; Prism's dynamic (seeded) 2xx bodies must deserialize into our models
/// with no declared field in a model's extension-data bag. Operations that cannot be called validly are listed in
/// <see cref="Excluded"/> with the reason, and must keep failing (else the entry goes).
/// </summary>
public sealed class SentryContractTests(ContractFixture fixture)
{
    /// <summary>Calls in flight at once: Prism validates each request against a large document, so a few keep both cores busy.</summary>
    private const int Parallelism = 4;

    /// <summary>Operations that cannot be called validly against Sentry's document, and why (Prism or spec quirks).</summary>
    internal static readonly IReadOnlyDictionary<string, string> Excluded = new Dictionary<string, string>(StringComparer.Ordinal)
    {
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryGetOperation_KeepsSentrysContract()
    {
        var session = await fixture.StartAsync(Ct);
        var operations = SentryOperations.All.Where(o => o.HttpMethod == "GET").ToList();

        var results = await session.CallAsync(operations, Parallelism, Ct);

        Report(operations.Count, results, session);
    }

    [Fact]
    public async Task EveryWriteOperation_WithARealisticBody_KeepsSentrysContract()
    {
        var session = await fixture.StartAsync(Ct);
        var operations = SentryOperations.All.Where(o => o.HttpMethod != "GET").ToList();

        var results = await session.CallAsync(operations, Parallelism, Ct);

        Report(operations.Count, results, session);
        Assert.True(results.Count(r => r.Passed && r.Operation.HttpMethod is "POST" or "PUT" or "PATCH") >= 10, "fewer than ten write operations with bodies kept the contract");
    }

    [Fact]
    public void Excluded_NamesRealOperations_WithReasons()
    {
        var ids = SentryOperations.All.Select(o => o.OperationId).ToHashSet(StringComparer.Ordinal);
        Assert.All(Excluded, e =>
        {
            Assert.Contains(e.Key, ids);
            Assert.False(string.IsNullOrWhiteSpace(e.Value));
        });
    }

    private static void Report(int expected, IReadOnlyList<CallResult> results, ContractSession session)
    {
        Assert.Equal(expected, results.Count);
        var output = TestContext.Current.TestOutputHelper;
        var failed = results.Where(r => !r.Passed && !Excluded.ContainsKey(r.Operation.OperationId)).ToList();
        var stale = results.Where(r => r.Passed && Excluded.ContainsKey(r.Operation.OperationId)).ToList();
        output?.WriteLine($"{results.Count} operations: {results.Count(r => r.Passed)} kept Sentry's contract, {failed.Count} broke it, {results.Count(r => Excluded.ContainsKey(r.Operation.OperationId))} excluded.");
        foreach (var result in results)
        {
            output?.WriteLine($"  {(result.Passed ? "ok  " : Excluded.ContainsKey(result.Operation.OperationId) ? "excl" : "FAIL")} {result.Operation.HttpMethod,-6} {result.Operation.Path} {result.Operation.OperationId}");
        }

        Assert.True(failed.Count == 0, $"{failed.Count} operations broke Sentry's contract:\n{string.Join('\n', failed)}\n\nPrism's last output:\n{session.PrismTail}");
        Assert.True(stale.Count == 0, $"Excluded operations that now keep the contract (remove them from Excluded): {string.Join(", ", stale.Select(s => s.Operation.OperationId))}");
    }
}
