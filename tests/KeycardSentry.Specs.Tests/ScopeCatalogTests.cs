using System.Text.Json;
using KeycardSentry.Testing;
using Xunit;

namespace KeycardSentry.Specs.Tests;

/// <summary>Checks of <c>specs/sentry.scopes.json</c>, the catalog the generator reads.</summary>
public sealed class ScopeCatalogTests
{
    private static JsonDocument Catalog() => SpecFiles.ReadJson(SpecFiles.PathOf(SpecFiles.ScopeCatalogFile));

    private static Dictionary<string, string[]> CatalogScopes()
    {
        using var catalog = Catalog();
        return catalog.RootElement.GetProperty("scopes").EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.GetProperty("implies").EnumerateArray().Select(s => s.GetString()!).ToArray(),
            StringComparer.Ordinal);
    }

    [Fact]
    public void Catalog_equals_the_published_hierarchy_scope_for_scope()
    {
        using var hierarchy = SpecFiles.ReadJson(SharedFiles.Require("sentry/scope-hierarchy.json"));
        var expected = hierarchy.RootElement.GetProperty("implies").EnumerateObject().ToDictionary(
            p => p.Name, p => p.Value.EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal).ToArray(),
            StringComparer.Ordinal);
        var actual = CatalogScopes();

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (scope, implies) in expected)
        {
            Assert.Equal(implies, actual[scope]);
        }
    }

    [Fact]
    public void Implied_sets_are_sorted_include_themselves_and_are_closed()
    {
        var scopes = CatalogScopes();
        foreach (var (scope, implies) in scopes)
        {
            Assert.Contains(scope, implies);
            Assert.Equal(implies.Order(StringComparer.Ordinal), implies);
            Assert.Equal(implies.Length, implies.Distinct(StringComparer.Ordinal).Count());
            foreach (var implied in implies)
            {
                // Expanding twice adds nothing: every implied scope's own set is already inside.
                Assert.True(scopes.ContainsKey(implied), $"{scope} implies unknown {implied}");
                Assert.Subset(implies.ToHashSet(), scopes[implied].ToHashSet());
            }
        }
    }

    [Theory]
    [InlineData("org:admin", "org:ci", false)]
    [InlineData("org:admin", "org:integrations", true)]
    [InlineData("member:write", "member:invite", true)]
    [InlineData("project:admin", "project:releases", false)]
    [InlineData("event:admin", "event:read", true)]
    [InlineData("alerts:write", "alerts:read", true)]
    public void Known_hierarchy_facts_hold(string granted, string needed, bool implied)
    {
        Assert.Equal(implied, CatalogScopes()[granted].Contains(needed));
    }

    [Fact]
    public void Default_grant_resource_and_regions_are_the_keycard_ones()
    {
        using var catalog = Catalog();
        var root = catalog.RootElement;
        Assert.Equal(["event:read", "project:read", "org:read"], root.GetProperty("defaultGrant").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("https://sentry.io/api/0", root.GetProperty("resource").GetString());
        var regions = root.GetProperty("regions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(new Dictionary<string, string?> { ["us"] = "https://us.sentry.io", ["de"] = "https://de.sentry.io" }, regions);
    }

    [Fact]
    public void Every_scope_in_the_spec_is_in_the_catalog()
    {
        var catalog = CatalogScopes();
        var used = SpecFiles.Operations().SelectMany(o => SpecFiles.ScopesOf(o.Operation)).ToHashSet(StringComparer.Ordinal);
        Assert.All(used, s => Assert.True(catalog.ContainsKey(s), $"{s} is not in the catalog"));

        // Every scope the catalog knows is named by some operation: the 22 of Sentry's hierarchy.
        Assert.Equal(22, catalog.Count);
        Assert.Equal(catalog.Keys.Order(StringComparer.Ordinal), used.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Default_grant_can_call_the_read_operations_of_issues_and_events()
    {
        // Any-of after expansion: the default grant reaches an operation when it shares a scope with its list.
        using var catalog = Catalog();
        var scopes = CatalogScopes();
        var granted = catalog.RootElement.GetProperty("defaultGrant").EnumerateArray()
            .SelectMany(s => scopes[s.GetString()!]).ToHashSet(StringComparer.Ordinal);
        bool Allowed(string operationId) => SpecFiles.ScopesOf(
            SpecFiles.Operations().Single(o => o.Operation.OperationId == operationId).Operation).Any(granted.Contains);

        Assert.True(Allowed("listOrganizationIssues"));
        Assert.True(Allowed("getProjectEvent"));
        Assert.True(Allowed("listOrganizationProjects"));
        Assert.False(Allowed("updateOrganizationIssue"));
        Assert.False(Allowed("deleteProject"));
        Assert.False(Allowed("listOrganizationMembers"));
    }
}
