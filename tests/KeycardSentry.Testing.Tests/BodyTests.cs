using System.Text.Json.Nodes;
using KeycardSentry.Testing.Tests.Infrastructure;

namespace KeycardSentry.Testing.Tests;

/// <summary>Success bodies are generated from each operation's response schema: valid, realistic and repeatable.</summary>
public sealed class BodyTests
{
    [Fact]
    public async Task Every_body_validates_against_its_response_schema_with_formats_asserted()
    {
        await using var stand = await Stand.StartAsync();
        var schemas = new ResponseSchemas(SpecFacts.Repository.Document);

        var answers = await EveryOperation.CallAsync(stand);

        var failures = answers.Where(a => a.Operation.HasResponseBody).Select(a => schemas.Validate(a.Operation, a.Body)).OfType<string>().ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Contains(answers, a => a.Operation.ReturnsList && JsonNode.Parse(a.Body)!.AsArray().Count > 0);
    }

    [Fact]
    public async Task Values_are_realistic_ids_are_strings_of_digits_and_timestamps_are_ISO_8601()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        using var response = await stand.SendAsync("GET", "/api/0/organizations/acme/", token);
        var organization = JsonNode.Parse(await response.Content.ReadAsStringAsync(Stand.Ct))!;

        Assert.Equal("acme", (string?)organization["slug"]); // the addressed organization, as Sentry answers
        Assert.Matches("^[0-9]+$", (string?)organization["id"]);
        Assert.True(DateTimeOffset.TryParseExact((string?)organization["dateCreated"], "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", null, System.Globalization.DateTimeStyles.AssumeUniversal, out _));
        var answers = await EveryOperation.CallAsync(stand);
        var fromPaths = stand.Sentry.Operations.SelectMany(o => o.PathTemplate.Split('/')).Where(s => s.StartsWith('{')).Select(s => SampleArguments.PathValue(s.Trim('{', '}'))).ToHashSet();
        var ids = answers.Where(a => a.Body.Length > 0).SelectMany(a => EveryOperation.StringIds(JsonNode.Parse(a.Body))).Where(id => !fromPaths.Contains(id)).ToList();
        Assert.True(ids.Count > 50, $"only {ids.Count} ids");
        Assert.All(ids, id => Assert.Matches("^[0-9]+$", id));
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_bytes_and_another_seed_other_bytes()
    {
        await using var first = await Stand.StartAsync(new LocalSentryApiOptions { Seed = 42 });
        await using var again = await Stand.StartAsync(new LocalSentryApiOptions { Seed = 42 });
        await using var other = await Stand.StartAsync(new LocalSentryApiOptions { Seed = 43 });

        var a = await EveryOperation.CallAsync(first);
        var b = await EveryOperation.CallAsync(again);
        var c = await EveryOperation.CallAsync(other);

        Assert.Equal(a.Select(x => x.Body), b.Select(x => x.Body));
        var withBodies = a.Count(x => x.Body.Length > 0);
        var differing = a.Zip(c).Count(p => p.First.Body.Length > 0 && p.First.Body != p.Second.Body);
        Assert.True(differing > withBodies / 2, $"only {differing} of {withBodies} bodies differ between seeds 42 and 43");
    }

    [Fact]
    public async Task A_responder_replaces_the_generated_body_and_sees_the_call()
    {
        await using var stand = await Stand.StartAsync();
        var getOrganization = stand.Sentry.Operations.Single(o => o.Method == "GET" && o.PathTemplate == "/api/0/organizations/{organization_id_or_slug}/");
        SentryCall? seen = null;
        stand.Sentry.Respond(getOrganization.OperationId, call =>
        {
            seen = call;
            var body = call.GeneratedBody!.AsObject();
            body["name"] = "Acme Inc";
            return body;
        });
        var token = await stand.TokenAsync("alice", "org:read");

        using var response = await stand.SendAsync("GET", "/api/0/organizations/acme/?detailed=1", token);

        var organization = JsonNode.Parse(await response.Content.ReadAsStringAsync(Stand.Ct))!;
        Assert.Equal(("Acme Inc", "acme"), ((string?)organization["name"], (string?)organization["slug"]));
        Assert.NotNull(seen);
        Assert.Equal(("alice", "acme", "?detailed=1"), (seen.User, seen.PathParameters["organization_id_or_slug"], seen.Request.Query));
        Assert.Throws<KeyNotFoundException>(() => stand.Sentry.Respond("noSuchOperation", _ => null));
    }

    [Fact]
    public async Task Recursive_composite_and_nullable_schemas_generate_valid_bodies()
    {
        // $ref recursion, allOf/anyOf/oneOf, nullable, enums with null, additionalProperties, constraints: a spec of our own.
        var spec = Path.Combine(AppContext.BaseDirectory, "TestSpecs", "features.openapi.json");
        var schemas = new ResponseSchemas(SpecFacts.For(spec).Document);
        await using var stand = await Stand.StartAsync(new LocalSentryApiOptions { SpecPath = spec });
        var token = await stand.TokenAsync("root", [.. SpecFacts.Implications.Keys]);

        foreach (var seed in Enumerable.Range(1, 12))
        {
            await using var seeded = await LocalSentryApi.StartAsync(stand.Zone, new LocalSentryApiOptions { SpecPath = spec, Seed = seed });
            foreach (var operation in seeded.Operations)
            {
                using var request = new HttpRequestMessage(new HttpMethod(operation.Method), seeded.BaseUrl + operation.ExpandPath(SampleArguments.PathValue).TrimStart('/'))
                {
                    Headers = { Authorization = new("Bearer", token) },
                };
                using var response = await stand.Http.SendAsync(request, Stand.Ct);
                var body = await response.Content.ReadAsStringAsync(Stand.Ct);
                Assert.True((int)response.StatusCode == operation.SuccessStatusCode, $"seed {seed}, {operation}: {(int)response.StatusCode} {body}");
                Assert.Equal(operation.HasResponseBody, body.Length > 0);
                var failure = operation.HasResponseBody ? schemas.Validate(operation, body) : null;
                Assert.True(failure is null, $"seed {seed}: {failure}\n{body}");
            }
        }
    }
}
