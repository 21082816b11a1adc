using KeycardSentry.Sentry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Testing.Tests;

/// <summary>The "Sentry stand-in" snippet of the READMEs compiles and runs (ReadmeSnippetTests checks the READMEs show exactly this code).</summary>
public sealed class ReadmeTests
{
    [Fact]
    public async Task The_snippet_starts_the_stand_in_and_a_generated_client_calls_it_for_alice()
    {
#pragma warning disable xUnit1051 // the README's code stays short: no cancellation tokens
        // <readme:stand-in>
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var sentry = await LocalSentryApi.StartAsync(zone);  // every operation of specs/, Sentry's rules
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Services.AddKeycard(o => (o.ZoneUrl, o.ClientId, o.ClientSecret, o.SubjectAudience) = (zone.Issuer, zone.ClientId, zone.ClientSecret, zone.SubjectAudience));
        builder.Services.AddSentryApi(o => o.BaseUrl = sentry.BaseUrl);
        using var host = builder.Build();
        await host.StartAsync();
        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))      // the zone grants event:read project:read org:read
            await host.Services.GetRequiredService<ISentryOrganizationsApi>().GetOrganizationAsync("acme");
        Assert.Equal("alice", sentry.Requests.Single().User);
        // </readme:stand-in>
#pragma warning restore xUnit1051

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var organization = await host.Services.GetRequiredService<ISentryOrganizationsApi>().GetOrganizationAsync("acme", cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal("acme", organization.Slug);
            Assert.Null(organization.AdditionalProperties); // every field the stand-in sent is one the model declares
        }

        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
