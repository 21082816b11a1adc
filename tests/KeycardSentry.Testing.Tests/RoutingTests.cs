using System.Net;
using System.Text.Json.Nodes;
using KeycardSentry.Testing.Tests.Infrastructure;

namespace KeycardSentry.Testing.Tests;

/// <summary>Requests reach operations by the spec's path templates, as Django's URL patterns route them for Sentry.</summary>
public sealed class RoutingTests
{
    [Theory]
    [InlineData("GET", "/api/0/organizations/acme")]
    [InlineData("GET", "/api/0/organizations/acme/nothing/")]
    [InlineData("GET", "/api/1/organizations/acme/")]
    [InlineData("DELETE", "/api/0/no/such/path/")]
    public async Task A_path_no_operation_serves_gets_404_before_the_token_is_looked_at(string method, string path)
    {
        await using var stand = await Stand.StartAsync();

        using var response = await stand.SendAsync(method, path, token: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("{\"detail\":\"The requested resource does not exist\"}", await response.Content.ReadAsStringAsync(Stand.Ct));
        Assert.Null(Assert.Single(stand.Sentry.Requests).OperationId);
    }

    [Fact]
    public async Task Parameters_match_one_segment_literals_win_and_segments_may_mix_text_and_a_parameter()
    {
        var spec = Path.Combine(AppContext.BaseDirectory, "TestSpecs", "features.openapi.json");
        await using var stand = await Stand.StartAsync(new LocalSentryApiOptions { SpecPath = spec });
        var token = await stand.TokenAsync("alice", "org:read", "project:write");

        using var item = await stand.SendAsync("POST", "/api/0/items/abc.json", token);
        using var node = await stand.SendAsync("GET", "/api/0/nodes/n-7/", token);
        using var noSuffix = await stand.SendAsync("POST", "/api/0/items/abc", token);
        using var emptyParameter = await stand.SendAsync("POST", "/api/0/items/.json", token);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (item.StatusCode, node.StatusCode));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (noSuffix.StatusCode, emptyParameter.StatusCode));
        Assert.Equal(["createItem", "getNode", null, null], stand.Sentry.Requests.Select(r => r.OperationId));
        Assert.Equal("n-7", (string?)JsonNode.Parse(await node.Content.ReadAsStringAsync(Stand.Ct))!["id"]);
    }

    [Fact]
    public async Task A_held_request_waits_at_the_gate_until_released()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");
        var gate = stand.Sentry.HoldRequests();

        var call = stand.SendAsync("GET", "/api/0/organizations/acme/", token);
        await gate.WhenArrivedAsync(1, Stand.Ct);
        Assert.False(call.IsCompleted);
        gate.Release();

        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Records_keep_the_body_and_the_operation_but_ToString_shows_neither_body_nor_token()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:admin");

        using var response = await stand.SendAsync("PUT", "/api/0/organizations/acme/", token);

        var record = Assert.Single(stand.Sentry.Requests);
        Assert.Equal(("{}", "alice"), (record.Body, record.User));
        Assert.Equal(stand.Sentry.Operation("PUT", "/api/0/organizations/{organization_id_or_slug}/").OperationId, record.OperationId);
        Assert.DoesNotContain("{}", record.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, record.ToString(), StringComparison.Ordinal);
    }
}
