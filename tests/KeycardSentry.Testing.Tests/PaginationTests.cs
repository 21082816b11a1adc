using System.Net;
using System.Text.Json.Nodes;
using KeycardSentry.Testing.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace KeycardSentry.Testing.Tests;

/// <summary>Lists page with Sentry's cursors and <c>Link</c> header.</summary>
public sealed class PaginationTests
{
    /// <summary>The spec's list operations: a <c>cursor</c> query parameter and an array success response.</summary>
    public static TheoryData<string> ListOperations =>
    [
        .. SpecFacts.Repository.Operations
            .Where(o => (o.Operation.Parameters ?? []).Any(p => p.In == ParameterLocation.Query && p.Name == "cursor"))
            .Where(o => (o.Operation.Responses ?? []).Where(r => r.Key.StartsWith('2'))
                .SelectMany(r => r.Value.Content ?? new Dictionary<string, IOpenApiMediaType>())
                .Any(c => c.Value.Schema?.Type is { } type && type.HasFlag(JsonSchemaType.Array)))
            .Select(o => o.Operation.OperationId!),
    ];

    [Theory]
    [MemberData(nameof(ListOperations))]
    public async Task Walking_rel_next_while_results_is_true_visits_every_item_exactly_once(string operationId)
    {
        await using var stand = await Stand.StartAsync(new LocalSentryApiOptions { ListLength = 7, PageSize = 3 });
        var operation = stand.Sentry.Operation(operationId);
        Assert.True(operation is { IsPaginated: true, ReturnsList: true });
        var token = await stand.TokenAsync("alice", [.. SpecFacts.Implications.Keys]);
        var path = operation.ExpandPath(SampleArguments.PathValue);
        using var whole = await stand.SendAsync(operation.Method, path + "?per_page=100", token);
        var all = Items(await whole.Content.ReadAsStringAsync(Stand.Ct));
        Assert.Equal(operationId == stand.Sentry.Operations.FirstOrDefault(o => o.PathTemplate == "/api/0/organizations/{organization_id_or_slug}/projects/" && o.Method == "GET")?.OperationId ? 3 : 7, all.Count);

        var walked = new List<string>();
        var url = stand.Sentry.BaseUrl + path.TrimStart('/');
        for (var page = 0; ; page++)
        {
            Assert.True(page < 10, "the walk does not end");
            using var response = await stand.Http.SendAsync(Get(url, token), Stand.Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            walked.AddRange(Items(await response.Content.ReadAsStringAsync(Stand.Ct)));
            var links = LinkHeader.Parse(string.Join(", ", response.Headers.GetValues("Link")));
            Assert.Equal(["previous", "next"], links.Select(l => l.Rel));
            Assert.Equal(page > 0, links[0].HasResults);
            Assert.All(links, l => Assert.StartsWith(stand.Sentry.BaseUrl + path.TrimStart('/') + "?", l.Url, StringComparison.Ordinal));
            Assert.All(links, l => Assert.EndsWith("cursor=" + Uri.EscapeDataString(l.Cursor!), l.Url, StringComparison.Ordinal));
            if (!links[1].HasResults)
            {
                break;
            }

            url = links[1].Url;
        }

        Assert.Equal(all, walked);
        Assert.Equal(all.Count, walked.Distinct().Count());
    }

    [Fact]
    public async Task A_default_list_has_five_items_with_distinct_ids_two_per_page()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        using var all = await stand.SendAsync("GET", "/api/0/organizations/?per_page=100", token);
        using var first = await stand.SendAsync("GET", "/api/0/organizations/", token);

        var ids = JsonNode.Parse(await all.Content.ReadAsStringAsync(Stand.Ct))!.AsArray().Select(o => (string?)o!["id"]).ToList();
        Assert.Equal(5, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[0-9]+$", id));
        Assert.Equal(2, JsonNode.Parse(await first.Content.ReadAsStringAsync(Stand.Ct))!.AsArray().Count);
        Assert.Equal(
            [("previous", false, "0:0:1"), ("next", true, "0:2:0")],
            LinkHeader.Parse(first.Headers.GetValues("Link").Single()).Select(l => (l.Rel, l.HasResults, l.Cursor)));
    }

    [Fact]
    public async Task The_organizations_project_list_pages_the_Projects_fixture()
    {
        await using var stand = await Stand.StartAsync();
        stand.Sentry.Projects.Add("payments");
        var token = await stand.TokenAsync("alice", "org:read");

        using var first = await stand.SendAsync("GET", "/api/0/organizations/acme/projects/", token);
        var links = LinkHeader.Parse(first.Headers.GetValues("Link").Single());
        using var second = await stand.SendAsync("GET", "/api/0/organizations/acme/projects/?cursor=" + Uri.EscapeDataString(links[1].Cursor!), token);

        Assert.Equal("0:2:0", links[1].Cursor);
        Assert.Equal(["backend", "frontend"], Slugs(await first.Content.ReadAsStringAsync(Stand.Ct)));
        Assert.Equal(["mobile", "payments"], Slugs(await second.Content.ReadAsStringAsync(Stand.Ct)));
        Assert.False(LinkHeader.Parse(second.Headers.GetValues("Link").Single())[1].HasResults);
    }

    [Fact]
    public async Task Other_query_parameters_stay_in_the_links_escaped()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        using var response = await stand.SendAsync("GET", "/api/0/organizations/acme/projects/?query=a%20b%26c&per_page=1", token);

        var next = LinkHeader.Parse(response.Headers.GetValues("Link").Single())[1];
        Assert.Equal(stand.Sentry.BaseUrl + "api/0/organizations/acme/projects/?query=a%20b%26c&per_page=1&cursor=0%3A1%3A0", next.Url);
        Assert.Single(Slugs(await response.Content.ReadAsStringAsync(Stand.Ct)));
    }

    [Theory]
    [InlineData("cursor=abc", "Invalid cursor parameter.")]
    [InlineData("cursor=0:1", "Invalid cursor parameter.")]
    [InlineData("cursor=0:-1:0", "Invalid cursor parameter.")]
    [InlineData("cursor=0:1:7", "Invalid cursor parameter.")]
    [InlineData("cursor=0:99999999999999999999999:0", "Invalid cursor parameter.")]
    [InlineData("cursor=%00:%0A:%0D", "Invalid cursor parameter.")]
    [InlineData("per_page=0", "Invalid per_page parameter.")]
    [InlineData("per_page=101", "Invalid per_page parameter.")]
    [InlineData("per_page=-5", "Invalid per_page parameter.")]
    [InlineData("per_page=ten", "Invalid per_page parameter.")]
    public async Task A_bad_cursor_or_page_size_gets_400(string query, string detail)
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        using var response = await stand.SendAsync("GET", "/api/0/organizations/acme/projects/?" + query, token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"{{\"detail\":\"{detail}\"}}", await response.Content.ReadAsStringAsync(Stand.Ct));
    }

    [Fact]
    public async Task A_cursor_past_the_end_gets_an_empty_last_page()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        using var response = await stand.SendAsync("GET", "/api/0/organizations/acme/projects/?cursor=0:9223372036854775807:0", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[]", await response.Content.ReadAsStringAsync(Stand.Ct));
        var links = LinkHeader.Parse(response.Headers.GetValues("Link").Single());
        Assert.Equal([true, false], links.Select(l => l.HasResults));
    }

    private static HttpRequestMessage Get(string url, string token) =>
        new(HttpMethod.Get, url) { Headers = { Authorization = new("Bearer", token) } };

    private static List<string> Items(string json) => [.. JsonNode.Parse(json)!.AsArray().Select(i => i?.ToJsonString() ?? "null")];

    private static List<string?> Slugs(string json) => [.. JsonNode.Parse(json)!.AsArray().Select(i => (string?)i!["slug"])];
}
