using KeycardSentry.Testing.Tests.Infrastructure;

namespace KeycardSentry.Testing.Tests;

/// <summary>The stand-in enforces each operation's scopes the way Sentry does, on every tag of the repository's spec.</summary>
public sealed class ScopeEnforcementTests
{
    public static TheoryData<string> Tags => [.. SpecFacts.Repository.Tags];

    [Theory]
    [MemberData(nameof(Tags))]
    public async Task A_listed_or_implied_scope_passes_and_any_other_gets_Sentrys_403(string tag)
    {
        await using var stand = await Stand.StartAsync();
        await ScopeChecks.RunAsync(stand, tag);
    }

    [Fact]
    public async Task The_stand_in_serves_every_operation_and_tag_of_the_spec()
    {
        await using var stand = await Stand.StartAsync();
        var facts = SpecFacts.Repository;

        Assert.Equal(
            facts.Operations.Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal),
            stand.Sentry.Operations.Select(o => $"{o.Method} {o.PathTemplate}").Order(StringComparer.Ordinal));
        Assert.Equal(facts.Tags, stand.Sentry.Operations.Select(o => o.Tag ?? "(none)").Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Org_admin_passes_an_org_read_operation_and_org_ci_does_not_follow_from_org_admin()
    {
        await using var stand = await Stand.StartAsync();
        var getOrganization = stand.Sentry.Operations.First(o => o.Method == "GET" && o.PathTemplate == "/api/0/organizations/{organization_id_or_slug}/");
        var ciOnly = stand.Sentry.Operations.FirstOrDefault(o => o.Scopes is ["org:ci"]);

        using var admin = await stand.CallAsync(getOrganization, await stand.TokenAsync("admin", "org:admin"));
        Assert.Equal(200, (int)admin.StatusCode);
        Assert.Equal("admin", stand.Sentry.Requests[^1].User);
        Assert.Equal(["org:admin"], stand.Sentry.Requests[^1].Scopes!);
        Assert.Equal(getOrganization.OperationId, stand.Sentry.Requests[^1].OperationId);
        if (ciOnly is not null)
        {
            using var refused = await stand.CallAsync(ciOnly, await stand.TokenAsync("admin2", "org:admin"));
            Assert.Equal(403, (int)refused.StatusCode);
        }
    }
}
