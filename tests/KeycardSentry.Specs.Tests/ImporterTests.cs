using System.Text.Json.Nodes;
using KeycardSentry.SpecImport;
using KeycardSentry.Testing;
using Xunit;

namespace KeycardSentry.Specs.Tests;

/// <summary>
/// specs/KeycardSentry.SpecImport: importing Sentry's published document gives exactly the committed files, the same
/// bytes every time and in any order, names that stay put, and a readable diff between two published versions.
/// </summary>
public sealed class ImporterTests
{
    private const string Fix = "Run 'dotnet run --project specs/KeycardSentry.SpecImport -- import' from the repository root and review the diff.";

    private static readonly Lazy<(string Published, string Hierarchy)> Shared = new(() =>
        (File.ReadAllText(SharedFiles.Require("sentry/openapi.json")), File.ReadAllText(SharedFiles.Require("sentry/scope-hierarchy.json"))));

    private static string CommittedSpec => File.ReadAllText(SpecFiles.PathOf(SpecFiles.OpenApiFile));

    private static string CommittedCatalog => File.ReadAllText(SpecFiles.PathOf(SpecFiles.ScopeCatalogFile));

    [Fact]
    public void Importing_the_published_document_gives_exactly_the_committed_files()
    {
        var (published, hierarchy) = Shared.Value;
        var result = SentrySpecImporter.Import(published, hierarchy, CommittedSpec);

        Assert.True(result.Spec == CommittedSpec, $"specs/sentry.openapi.json is not what the import writes. {Fix}");
        Assert.True(result.Catalog == CommittedCatalog, $"specs/sentry.scopes.json is not what the import writes. {Fix}");
        Assert.Equal((223, 21, 22), (result.Operations, result.Tags, JsonNode.Parse(result.Catalog)!["scopes"]!.AsObject().Count));
        Assert.Equal(result.Types, result.Remembered);
        TestContext.Current.TestOutputHelper?.WriteLine($"{result.Operations} operations, {result.Tags} tags, {result.Types} types; {result.Notes.Count} notes");
    }

    [Fact]
    public void The_same_input_gives_the_same_bytes_in_any_order()
    {
        var (published, hierarchy) = Shared.Value;
        var fresh = SentrySpecImporter.Import(published, hierarchy, previousSpec: null);
        var again = SentrySpecImporter.Import(published, hierarchy, previousSpec: null);
        var shuffled = SentrySpecImporter.Import(Shuffle(published), hierarchy, previousSpec: null);

        Assert.True(fresh.Spec == again.Spec && fresh.Catalog == again.Catalog, "two imports of the same document differ");
        // Only the source's SHA-256 (of its bytes, which reordering changes) may differ.
        Assert.True(WithoutSource(fresh.Spec) == WithoutSource(shuffled.Spec), "reordering the document's paths, operations, tags and components changed the import");
        Assert.True(fresh.Catalog == shuffled.Catalog);

        // The committed names are the rules' names: no name in specs/ was given by hand.
        Assert.True(fresh.Spec == CommittedSpec, $"a fresh import names differently from specs/sentry.openapi.json. {Fix}");
    }

    [Fact]
    public void Removing_and_reordering_operations_renames_no_remaining_type()
    {
        var (published, hierarchy) = Shared.Value;
        var document = JsonNode.Parse(published)!.AsObject();
        var paths = document["paths"]!.AsObject();
        var removed = new List<string>();
        foreach (var (path, method) in new[]
        {
            ("/api/0/organizations/{organization_id_or_slug}/", "put"),
            ("/api/0/organizations/{organization_id_or_slug}/monitors/", "post"),
            ("/api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/", "get"),
            ("/api/0/organizations/{organization_id_or_slug}/replays/", "get"),
            ("/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/", "get"),
            ("/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/", "get"),
            ("/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/", "put"),
        })
        {
            Assert.True(paths[path]!.AsObject().Remove(method), $"{method} {path} is not in the published document");
            removed.Add(method + " " + path);
        }

        var before = Positions(CommittedSpec);
        var after = Positions(SentrySpecImporter.Import(Shuffle(document.ToJsonString()), hierarchy, CommittedSpec).Spec);
        var renamed = after.Where(p => before.TryGetValue(p.Key, out var name) && name != p.Value).Select(p => $"{p.Key}: {before[p.Key]} → {p.Value}").ToList();

        Assert.Empty(renamed);
        Assert.All(after.Values, name => Assert.Contains(name, before.Values));
        Assert.True(after.Count > 900 && after.Count < before.Count, $"{after.Count} of {before.Count} places compared");
    }

    [Fact]
    public void An_added_operation_takes_no_existing_name_and_a_changed_shape_keeps_its_name()
    {
        var (published, hierarchy) = Shared.Value;
        var document = JsonNode.Parse(published)!.AsObject();
        var paths = document["paths"]!.AsObject();

        // A new operation whose response is a monitor with one more field: a new shape, named afresh.
        var monitor = paths["/api/0/organizations/{organization_id_or_slug}/monitors/{monitor_id_or_slug}/"]!["get"]!.DeepClone().AsObject();
        monitor["operationId"] = "getOrganizationMonitorPreview";
        Schema200(monitor)["properties"]!.AsObject()["previewOnly"] = new JsonObject { ["type"] = "string" };
        paths["/api/0/organizations/{organization_id_or_slug}/monitors/{monitor_id_or_slug}/preview/"] = new JsonObject { ["get"] = monitor };

        // A shape Sentry changes where it stands (one more field): it keeps its name.
        Schema200(paths["/api/0/organizations/{organization_id_or_slug}/stats-summary/"]!["get"]!)["properties"]!.AsObject()["newField"] = new JsonObject { ["type"] = "integer" };

        var before = Positions(CommittedSpec);
        var after = Positions(SentrySpecImporter.Import(document.ToJsonString(), hierarchy, CommittedSpec).Spec);

        Assert.Empty(before.Where(p => after[p.Key] != p.Value).Select(p => $"{p.Key}: {p.Value} → {after[p.Key]}"));
        var preview = after["GET /api/0/organizations/{organization_id_or_slug}/monitors/{monitor_id_or_slug}/preview/ 200"];
        Assert.DoesNotContain(preview, before.Values);
        Assert.Equal("StatsSummary", after["GET /api/0/organizations/{organization_id_or_slug}/stats-summary/ 200"]);
    }

    [Fact]
    public void The_diff_lists_operations_scopes_and_parameters_that_changed()
    {
        var (published, _) = Shared.Value;
        var document = JsonNode.Parse(published)!.AsObject();
        var paths = document["paths"]!.AsObject();
        paths["/api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/"]!.AsObject().Remove("delete");
        paths["/api/0/example/"] = new JsonObject
        {
            ["get"] = new JsonObject
            {
                ["operationId"] = "getExample",
                ["security"] = new JsonArray(new JsonObject { ["auth_token"] = new JsonArray("org:read") }),
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "ok" } },
            },
        };
        var organization = paths["/api/0/organizations/{organization_id_or_slug}/"]!["get"]!.AsObject();
        organization["security"] = new JsonArray(new JsonObject { ["auth_token"] = new JsonArray("org:read", "org:ci") });
        organization["parameters"]!.AsArray().Add(new JsonObject { ["in"] = "query", ["name"] = "expand", ["schema"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } });

        var changes = SpecDiff.Compare(published, document.ToJsonString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", changes));

        Assert.Equal(
        [
            "+ GET /api/0/example/ (getExample): added, scopes [org:read]",
            "~ GET /api/0/organizations/{organization_id_or_slug}/ (getOrganization): scopes [org:admin, org:read, org:write] → [org:ci, org:read] (+org:ci, -org:admin, -org:write)",
            "~ GET /api/0/organizations/{organization_id_or_slug}/ (getOrganization): parameter query:expand added (optional array of string)",
            "- DELETE /api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/ (deleteOrganizationDashboard): removed",
        ], changes.OrderBy(c => c.Contains("example", StringComparison.Ordinal) ? 0 : c.StartsWith('~') ? 1 : 2).ToList());
        Assert.Empty(SpecDiff.Compare(published, Shuffle(published)));
    }

    [Fact]
    public void The_command_line_checks_writes_and_diffs()
    {
        var work = Directory.CreateTempSubdirectory("ks-import-");
        try
        {
            var spec = Path.Combine(work.FullName, "spec.json");
            var catalog = Path.Combine(work.FullName, "catalog.json");
            File.WriteAllText(spec, CommittedSpec);
            File.WriteAllText(catalog, CommittedCatalog);
            string[] Args(params string[] extra) =>
            [
                "import", "--source", SharedFiles.Require("sentry/openapi.json"), "--hierarchy", SharedFiles.Require("sentry/scope-hierarchy.json"),
                "--spec", spec, "--catalog", catalog, .. extra,
            ];

            var output = new StringWriter();
            Assert.Equal(0, Cli.Run(Args("--check"), output, output));

            File.WriteAllText(catalog, "{}");
            Assert.Equal(1, Cli.Run(Args("--check"), output, output));
            Assert.Contains(catalog + " differs from the import", output.ToString(), StringComparison.Ordinal);

            Assert.Equal(0, Cli.Run(Args(), output, output));
            Assert.Equal(CommittedCatalog, File.ReadAllText(catalog));

            Assert.Equal(2, Cli.Run(Args("--bogus"), output, output));
            var published = SharedFiles.Require("sentry/openapi.json");
            Assert.Equal(0, Cli.Run(["diff", published, published], output, output));
            Assert.Contains("no changes in operations, scopes or parameters", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Every place of every body (method, path, status or "body", JSON path) → the schema named there.</summary>
    private static Dictionary<string, string> Positions(string spec)
    {
        var root = JsonNode.Parse(spec)!.AsObject();
        var schemas = root["components"]!["schemas"]!.AsObject();
        var positions = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? node, string position, int depth)
        {
            if (node is not JsonObject obj || depth > 40)
            {
                return;
            }

            var reference = (obj["$ref"] ?? obj["allOf"]?[0]?["$ref"])?.GetValue<string>();
            if (reference is not null && obj.Count <= 3)
            {
                var name = reference["#/components/schemas/".Length..];
                positions[position] = name;
                Walk(schemas[name], position, depth + 1);
                return;
            }

            foreach (var (property, schema) in obj["properties"] as JsonObject ?? [])
            {
                Walk(schema, position + "/" + property, depth + 1);
            }

            Walk(obj["items"], position + "[]", depth + 1);
            Walk(obj["additionalProperties"], position + "{}", depth + 1);
            foreach (var keyword in new[] { "anyOf", "oneOf", "allOf" })
            {
                var i = 0;
                foreach (var member in obj[keyword] as JsonArray ?? [])
                {
                    Walk(member, $"{position}|{i++}", depth + 1);
                }
            }
        }

        foreach (var (path, item) in root["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var key = method.ToUpperInvariant() + " " + path;
                Walk(operation!["requestBody"]?["content"]?["application/json"]?["schema"], key + " body", 0);
                foreach (var (status, response) in operation["responses"]!.AsObject())
                {
                    Walk(response?["content"]?["application/json"]?["schema"], key + " " + status, 0);
                }
            }
        }

        return positions;
    }

    private static string WithoutSource(string spec) =>
        string.Join('\n', spec.Split('\n').Where(line => !line.Contains("\"x-keycard-source\"", StringComparison.Ordinal)));

    private static JsonObject Schema200(JsonNode operation) => operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!.AsObject();

    /// <summary>The document with its paths, each path's operations, the tags and the components in reverse order.</summary>
    private static string Shuffle(string published)
    {
        var root = JsonNode.Parse(published)!.AsObject();
        var paths = new JsonObject();
        foreach (var (path, item) in root["paths"]!.AsObject().Reverse().ToList())
        {
            paths[path] = new JsonObject(item!.AsObject().Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        }

        root["paths"] = paths;
        if (root["tags"] is JsonArray tags)
        {
            root["tags"] = new JsonArray(tags.Reverse().Select(t => t?.DeepClone()).ToArray());
        }

        if (root["components"]?["schemas"] is JsonObject schemas)
        {
            root["components"]!["schemas"] = new JsonObject(schemas.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        }

        return root.ToJsonString();
    }
}
