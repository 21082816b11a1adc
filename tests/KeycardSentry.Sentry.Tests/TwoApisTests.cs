using KeycardSentry.Sentry.Tests.Widgets;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Sentry.Tests;

/// <summary>
/// One app calling two Keycard resources side by side: the Sentry SDK and a second generated API (the generator's widgets
/// spec), each with its own catalog, resource, scopes and stand-in. Each stand-in accepts only tokens the zone issued for
/// its own resource, so a call that carried the other API's token would be answered 401.
/// </summary>
public sealed class TwoApisTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachApisCalls_CarryATokenExchangedForThatApisResourceAndScopes()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await LocalSentryApi.StartAsync(zone);
        var repository = RepositoryFiles.Root;
        await using var widgets = await LocalSentryApi.StartAsync(zone, new LocalSentryApiOptions
        {
            SpecPath = Path.Combine(repository, "tests/KeycardSentry.Generator.Tests/TestSpecs/widgets.openapi.json"),
            ScopeCatalogPath = Path.Combine(repository, "tests/KeycardSentry.Generator.Tests/TestSpecs/widgets.scopes.json"),
        });

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKeycard(o => (o.ZoneUrl, o.ClientId, o.ClientSecret, o.SubjectAudience) = (zone.Issuer, zone.ClientId, zone.ClientSecret, zone.SubjectAudience));
        builder.Services.AddSentryApi(o =>
        {
            o.BaseUrl = sentry.BaseUrl;
            o.Scopes = ["org:read", "project:read"];
        });
        builder.Services.AddKeycardApi(
            "WidgetsApi",
            WidgetsApiScopeCatalog.Instance,
            each => builder.Services.AddWidgetsClients(each, KeycardRefitSettings.Create()),
            o =>
            {
                o.BaseUrl = widgets.BaseUrl;
                o.Scopes = ["org:read"];
            });
        using var host = builder.Build();
        await host.StartAsync(Ct);

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            await host.Services.GetRequiredService<ISentryOrganizationsApi>().GetOrganizationAsync("acme", cancellationToken: Ct);
            await host.Services.GetRequiredService<IWidgetsWidgetsApi>().ListAnOrganizationsWidgetsAsync("acme", cancellationToken: Ct);
            await host.Services.GetRequiredService<ISentryOrganizationsApi>().GetOrganizationAsync("acme", cancellationToken: Ct);
            await host.Services.GetRequiredService<IWidgetsWidgetsApi>().ListAnOrganizationsWidgetsAsync("acme", cancellationToken: Ct);
        }

        // One exchange per API for the user, each for its own resource and scopes (the resource of the widgets API comes
        // from its catalog); each stand-in saw alice's token for its resource, twice.
        var exchanges = zone.Requests.Where(r => r.Form.GetValueOrDefault("grant_type") == LocalKeycardZone.TokenExchangeGrantType).ToList();
        Assert.Equal(2, exchanges.Count);
        Assert.Contains(exchanges, r => r.Form["resource"] == "https://sentry.io/api/0" && r.Form["scope"] == "org:read project:read");
        Assert.Contains(exchanges, r => r.Form["resource"] == WidgetsApiScopeCatalog.Instance.Resource && r.Form["scope"] == "org:read");
        Assert.Equal(["alice", "alice"], sentry.Requests.Select(r => r.User));
        Assert.Equal(["alice", "alice"], widgets.Requests.Select(r => r.User));
        Assert.NotEqual(sentry.Requests[0].TokenFingerprint, widgets.Requests[0].TokenFingerprint);
        await host.StopAsync(Ct);
    }
}
