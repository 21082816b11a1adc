using KeycardSentry.Contract.Tests.Infrastructure;
using KeycardSentry.Sentry;

namespace KeycardSentry.Contract.Tests;

/// <summary>
/// Sentry's own contract: every GET operation, and every write operation, called through the generated clients
/// (<c>AddSentryApi</c> + <c>AddKeycard</c>, a real exchanged bearer token on each call) against Stoplight Prism
/// serving Sentry's published document with <c>--errors</c>. A request that breaks the document is answered 4xx with
/// an <c>sl-violations</c> header naming the rule; Prism's dynamic (seeded) 2xx bodies must deserialize into our models
/// with no declared field in a model's extension-data bag. The few operations Prism cannot answer with a generated
/// body are listed in <see cref="StaticResponses"/> with the reason and answered with the document's example.
/// </summary>
public sealed class SentryContractTests(ContractFixture fixture)
{
    /// <summary>Calls in flight at once: Prism validates each request against a large document, so a few keep both cores busy.</summary>
    private const int Parallelism = 4;

    private const string PrismCannotFakeWorkflows =
        "Prism 5.16.0 answers 500 when it generates a workflow response: its json-schema-faker throws (\"Cannot read properties of undefined (reading 'items')\").";

    /// <summary>
    /// Operations Prism cannot answer with a generated body, and why: they are called with <c>Prefer: dynamic=false</c>,
    /// so Prism still judges the request and answers with the document's own example, which must deserialize too.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> StaticResponses = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["getOrganizationWorkflow"] = PrismCannotFakeWorkflows,
        ["listOrganizationWorkflows"] = PrismCannotFakeWorkflows,
        ["createOrganizationWorkflow"] = PrismCannotFakeWorkflows,
        ["updateOrganizationWorkflow"] = PrismCannotFakeWorkflows,
        ["updateOrganizationWorkflows"] = PrismCannotFakeWorkflows,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryGetOperation_KeepsSentrysContract()
    {
        var session = await fixture.StartAsync(Ct);
        var operations = SentryOperations.All.Where(o => o.HttpMethod == "GET").ToList();

        var results = await session.CallAsync(operations, StaticResponses.ContainsKey, Parallelism, Ct);

        Report("GET", operations.Count, results, session);
    }

    [Fact]
    public async Task EveryWriteOperation_WithARealisticBody_KeepsSentrysContract()
    {
        var session = await fixture.StartAsync(Ct);
        var operations = SentryOperations.All.Where(o => o.HttpMethod != "GET").ToList();

        var results = await session.CallAsync(operations, StaticResponses.ContainsKey, Parallelism, Ct);

        Report("write", operations.Count, results, session);
        var withBodies = results.Count(r => r.Passed && r.SentBody);
        Assert.True(withBodies >= 10, $"only {withBodies} write operations with a request body kept the contract (at least ten must)");
    }

    [Fact]
    public void StaticResponses_NameRealOperations_WithReasons()
    {
        var ids = SentryOperations.All.Select(o => o.OperationId).ToHashSet(StringComparer.Ordinal);
        Assert.All(StaticResponses, e =>
        {
            Assert.Contains(e.Key, ids);
            Assert.False(string.IsNullOrWhiteSpace(e.Value));
        });
    }

    private static void Report(string kind, int expected, IReadOnlyList<CallResult> results, ContractSession session)
    {
        Assert.Equal(expected, results.Count);
        var output = TestContext.Current.TestOutputHelper;
        var failed = results.Where(r => !r.Passed).ToList();
        var violations = results.Sum(r => r.Exchanges.Count(e => e.Violations is not null));
        output?.WriteLine(
            $"{results.Count} {kind} operations called through the generated clients ({results.Count(r => r.SentBody)} with a request body, " +
            $"{results.Count(r => StaticResponses.ContainsKey(r.Operation.OperationId))} answered with the document's example): " +
            $"{results.Count(r => r.Passed)} kept Sentry's contract, {failed.Count} broke it; {violations} sl-violations; " +
            $"{results.Count(r => r.CheckedBody)} 2xx bodies deserialized into our models ({results.Sum(r => r.ModelsChecked)} model objects checked for declared fields in extension data).");
        foreach (var result in results)
        {
            output?.WriteLine($"  {(result.Passed ? "ok  " : "FAIL")} {result.Operation.HttpMethod,-6} {result.Operation.Path} {result.Operation.OperationId}{(result.Exchanges.LastOrDefault() is { } last ? " -> " + last.Status : string.Empty)}");
        }

        Assert.True(failed.Count == 0, $"{failed.Count} operations broke Sentry's contract:\n{string.Join('\n', failed)}\n\nPrism's last output:\n{session.PrismTail}");
    }
}
