using KeycardSentry.Testing.Tests.Infrastructure;

namespace KeycardSentry.Testing.Tests;

/// <summary>
/// The stand-in on Sentry's full published document (<c>../shared/sentry/openapi.json</c>, 223 operations, 21 tags):
/// the same code that serves <c>specs/</c> serves it, with nothing written for it.
/// </summary>
public sealed class PublishedSpecTests
{
    [Fact]
    public async Task Every_operation_routes_and_answers_with_a_body_valid_against_its_schema()
    {
        var spec = SharedFiles.Require("sentry/openapi.json");
        await using var stand = await Stand.StartAsync(new LocalSentryApiOptions { SpecPath = spec });
        var facts = SpecFacts.For(spec);
        Assert.Equal(facts.Operations.Count, stand.Sentry.Operations.Count);
        Assert.Equal(facts.Operations.Count(o => (o.Operation.Parameters ?? []).Any(p => p.Name == "cursor")), stand.Sentry.Operations.Count(o => o.IsPaginated));

        var answers = await EveryOperation.CallAsync(stand);

        var schemas = new ResponseSchemas(facts.Document);
        var failures = answers.Where(a => a.Operation.HasResponseBody).Select(a => schemas.Validate(a.Operation, a.Body)).OfType<string>().ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {answers.Count} bodies are not valid:\n" + string.Join("\n", failures.Take(20)));
        TestContext.Current.TestOutputHelper?.WriteLine($"{answers.Count} operations answered, {answers.Count(a => a.Operation.HasResponseBody)} with a body; all valid.");
    }

    [Fact]
    public async Task Scopes_are_enforced_on_a_sample_of_every_tag()
    {
        var spec = SharedFiles.Require("sentry/openapi.json");
        await using var stand = await Stand.StartAsync(new LocalSentryApiOptions { SpecPath = spec });
        var tags = SpecFacts.For(spec).Tags;
        Assert.Equal(21, tags.Count);

        foreach (var tag in tags)
        {
            await ScopeChecks.RunAsync(stand, tag);
        }
    }

    [Fact]
    public async Task Sentrys_scope_hierarchy_file_works_as_the_catalog()
    {
        var spec = SharedFiles.Require("sentry/openapi.json");
        var hierarchy = SharedFiles.Require("sentry/scope-hierarchy.json");
        await using var stand = await Stand.StartAsync(new LocalSentryApiOptions { SpecPath = spec, ScopeCatalogPath = hierarchy });
        var listProjectIssues = stand.Sentry.Operations.Single(o => o.Method == "GET" && o.PathTemplate == "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/");
        Assert.DoesNotContain("event:admin", listProjectIssues.Scopes);

        using var response = await stand.CallAsync(listProjectIssues, await stand.TokenAsync("alice", "event:admin"));

        Assert.Equal(200, (int)response.StatusCode);
    }
}
