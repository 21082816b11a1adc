using KeycardSentry.Sentry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.Testing.Tests;

/// <summary>The "Sentry stand-in" snippet of the READMEs compiles and runs, and the READMEs show exactly this code.</summary>
public sealed class ReadmeTests
{
    private const string Begin = "// README: Sentry stand-in";
    private const string End = "// README: end";

    [Fact]
    public async Task The_snippet_starts_the_stand_in_and_a_generated_client_calls_it_for_alice()
    {
#pragma warning disable xUnit1051 // the README's code stays short: no cancellation tokens
        // README: Sentry stand-in
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
        // README: end
#pragma warning restore xUnit1051

        using (KeycardSubject.Use(zone.MintSubjectToken("alice")))
        {
            var organization = await host.Services.GetRequiredService<ISentryOrganizationsApi>().GetOrganizationAsync("acme", cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal("acme", organization.Slug);
            Assert.Null(organization.AdditionalProperties); // every field the stand-in sent is one the model declares
        }

        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("tests/KeycardSentry.Testing/README.md")]
    public void The_readme_shows_the_snippet_of_this_test(string readme)
    {
        var source = File.ReadAllLines(Path.Combine(SharedFiles.RepositoryRoot, "tests/KeycardSentry.Testing.Tests/ReadmeTests.cs"));
        var start = Array.FindIndex(source, l => l.Trim() == Begin) + 1;
        var snippet = source[start..Array.FindIndex(source, start, l => l.Trim() == End)];
        var indent = snippet.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        var expected = string.Join('\n', snippet.Select(l => l.Length >= indent ? l[indent..] : l.Trim()));

        var text = File.ReadAllText(Path.Combine(SharedFiles.RepositoryRoot, readme)).Replace("\r\n", "\n", StringComparison.Ordinal);
        var section = text.IndexOf("# Sentry stand-in\n", StringComparison.Ordinal);
        Assert.True(section >= 0, $"{readme} has no 'Sentry stand-in' heading");
        var open = text.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var shown = text[open..text.IndexOf("\n```", open, StringComparison.Ordinal)];

        Assert.Equal(expected, shown);
        Assert.InRange(snippet.Length, 6, 10);
    }
}
