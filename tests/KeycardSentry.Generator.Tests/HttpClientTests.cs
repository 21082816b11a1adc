using System.Net;
using System.Text.Json;
using KeycardSentry.Generator.Tests.Infrastructure;
using KeycardSentry.Generator.Tests.Widgets;
using KeycardSentry.Generator.Tests.Widgets.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>
/// The clients generated at THIS project's build (TestSpecs/widgets.openapi.json, through the build props/targets)
/// against a real Kestrel server on 127.0.0.1.
/// </summary>
public sealed class HttpClientTests : IAsyncLifetime
{
    private readonly List<(string Method, string RawTarget, string Body)> _requests = [];
    private readonly List<string> _subjects = [];
    private LoopbackServer? _server;

    private Uri BaseAddress => _server!.BaseAddress;

    public async ValueTask InitializeAsync() => _server = await LoopbackServer.StartAsync(HandleAsync, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task PathSegmentsAreEscapedAndArrayQueriesRepeated()
    {
        var api = RestService.ForGenerated<IWidgetsWidgetsApi>(new HttpClient { BaseAddress = BaseAddress });
        using var page = await api.ListAnOrganizationsWidgetsAsync("my org/x", project: [1, 2], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(page.IsSuccessStatusCode);
        var (method, target, _) = Assert.Single(_requests);
        Assert.Equal("GET", method);
        Assert.StartsWith("/api/0/organizations/my%20org%2Fx/widgets/?", target, StringComparison.Ordinal);
        Assert.Contains("project=1&project=2", target, StringComparison.Ordinal);
        Assert.Equal(2, page.Content!.Count);
        Assert.Equal("w1", page.Content[0].Id);
        Assert.Equal(7, page.Content[0].Count);
        Assert.True(page.Content[0].HiddenSecret);
        Assert.Equal("kept", page.Content[0].AdditionalProperties!["unknownField"].GetString());
        Assert.Equal("0:100:0", LinkHeader.GetNextCursor(page.Headers));
    }

    [Fact]
    public async Task JsonBodyRoundTripsThroughDependencyInjectionClients()
    {
        using var provider = Services();
        var api = provider.GetRequiredService<IWidgetsWidgetsApi>();
        var created = await api.CreateWidgetAsync(
            "acme",
            new CreateWidgetRequest { Name = "gear", Tags = ["a", "b"], Options = new() { ["colour"] = "red" } },
            TestContext.Current.CancellationToken);

        var (method, target, body) = Assert.Single(_requests);
        Assert.Equal("POST", method);
        Assert.Equal("/api/0/organizations/acme/widgets/", target);
        using var sent = JsonDocument.Parse(body);
        Assert.Equal("gear", sent.RootElement.GetProperty("name").GetString());
        Assert.Equal("red", sent.RootElement.GetProperty("options").GetProperty("colour").GetString());
        Assert.Equal("new-1", created.Id);
        Assert.Equal("gear", created.Name);
        Assert.Equal(["a", "b"], created.Tags!);
        Assert.Equal("red", created.Options!["colour"]);

        var catalog = provider.GetRequiredService<KeycardSentry.IApiScopeCatalog>();
        Assert.True(catalog.TryGetRequiredScopes(typeof(IWidgetsWidgetsApi), nameof(IWidgetsWidgetsApi.CreateWidgetAsync), out var anyOf));
        Assert.Equal(["project:write"], anyOf);
        Assert.Equal(WidgetsScopes.Resource, catalog.Resource);
    }

    [Fact]
    public async Task NotFoundBecomesRefitApiException()
    {
        using var provider = Services();
        var api = provider.GetRequiredService<IWidgetsWidgetsApi>();
        var error = await Assert.ThrowsAsync<ApiException>(() => api.RetrieveWidgetAsync("acme", "missing", TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task EnumerationFollowsLinkHeaderAcrossPages()
    {
        using var provider = Services();
        var api = provider.GetRequiredService<IWidgetsWidgetsApi>();
        var ids = new List<string?>();
        await foreach (var widget in api.EnumerateOrganizationsWidgetsAsync("acme", cancellationToken: TestContext.Current.CancellationToken))
        {
            ids.Add(widget.Id);
        }

        Assert.Equal(["w1", "w2", "w3"], ids);
        Assert.Equal(2, _requests.Count);
        Assert.Contains("cursor=0%3A100%3A0", _requests[1].RawTarget, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnumerationThrowsApiExceptionOnAFailedPage()
    {
        using var provider = Services();
        var api = provider.GetRequiredService<IWidgetsWidgetsApi>();
        await Assert.ThrowsAsync<ApiException>(async () =>
        {
            await foreach (var _ in api.EnumerateOrganizationsWidgetsAsync("broken", cancellationToken: TestContext.Current.CancellationToken))
            {
            }
        });
    }

    [Fact]
    public async Task EnumerationHonoursCancellation()
    {
        using var provider = Services();
        var api = provider.GetRequiredService<IWidgetsWidgetsApi>();
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in api.EnumerateOrganizationsWidgetsAsync("acme").WithCancellation(cts.Token))
            {
                seen++;
                cts.Cancel();
            }
        });
        Assert.Equal(1, seen);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task EnumerationFetchesEveryPageForTheSubjectItStartedWith()
    {
        using var provider = Services(b => b.AddHttpMessageHandler(() => new SubjectStamp()));
        var api = provider.GetRequiredService<IWidgetsWidgetsApi>();
        IAsyncEnumerator<ListAnOrganizationsWidgetsItem> widgets;
        using (KeycardSubject.Use("alice"))
        {
            widgets = api.EnumerateOrganizationsWidgetsAsync("acme", cancellationToken: TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
            Assert.True(await widgets.MoveNextAsync());
        }

        using (KeycardSubject.Use("bob"))
        {
            Assert.True(await widgets.MoveNextAsync());
            Assert.True(await widgets.MoveNextAsync());   // page 2, fetched in bob's flow
            Assert.Equal("bob", KeycardSubject.Current);
        }

        Assert.False(await widgets.MoveNextAsync());      // outside any Use block
        await widgets.DisposeAsync();

        Assert.Equal(2, _requests.Count);
        Assert.All(_subjects, s => Assert.Equal("alice", s));
        Assert.Equal(2, _subjects.Count);
    }

    private ServiceProvider Services(Action<IHttpClientBuilder>? configure = null) =>
        new ServiceCollection()
            .AddWidgetsClients(b =>
            {
                b.ConfigureHttpClient(c => c.BaseAddress = BaseAddress);
                configure?.Invoke(b);
            })
            .BuildServiceProvider();

    /// <summary>Sends the subject current on the calling flow, as the Keycard handler would use it.</summary>
    private sealed class SubjectStamp : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation("X-Subject", KeycardSubject.Current ?? "(none)");
            return base.SendAsync(request, cancellationToken);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        lock (_requests)
        {
            _requests.Add((context.Request.Method, target, body));
            if (context.Request.Headers.TryGetValue("X-Subject", out var subject))
            {
                _subjects.Add(subject.ToString());
            }
        }

        var path = target.Split('?')[0];
        if (context.Request.Method == "GET" && path.EndsWith("/widgets/", StringComparison.Ordinal))
        {
            if (path.Contains("/broken/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 500;
                return;
            }

            var second = context.Request.Query["cursor"] == "0:100:0";
            var next = second ? "results=\"false\"; cursor=\"0:100:1\"" : "results=\"true\"; cursor=\"0:100:0\"";
            context.Response.Headers["Link"] =
                $"<{BaseAddress}api/0/x/?&cursor=0:0:1>; rel=\"previous\"; results=\"false\"; cursor=\"0:0:1\", <{BaseAddress}api/0/x/?&cursor=0:100:0>; rel=\"next\"; {next}";
            await context.Response.WriteAsJsonAsync(
                second
                    ? new object[] { new { id = "w3", name = "three", count = 3 } }
                    : new object[]
                    {
                        new Dictionary<string, object> { ["id"] = "w1", ["name"] = "one", ["count"] = 7, ["hidden-secret"] = true, ["unknownField"] = "kept" },
                        new { id = "w2", name = "two", count = 2 },
                    },
                context.RequestAborted);
            return;
        }

        if (context.Request.Method == "POST")
        {
            using var sent = JsonDocument.Parse(body);
            var result = new Dictionary<string, JsonElement>();
            foreach (var property in sent.RootElement.EnumerateObject())
            {
                result[property.Name] = property.Value.Clone();
            }

            result["id"] = JsonSerializer.SerializeToElement("new-1");
            context.Response.StatusCode = 201;
            await context.Response.WriteAsJsonAsync(result, context.RequestAborted);
            return;
        }

        if (path.EndsWith("/missing/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { detail = "Not found" }, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsJsonAsync(new { id = "w1", name = "one" }, context.RequestAborted);
    }
}
