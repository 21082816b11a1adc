using System.Collections.Immutable;
using KeycardSentry.Generator.Analysis;
using KeycardSentry.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>
/// The analyzer runs on a user project that references a compiled "SDK" holding the generated clients, so the
/// catalog (ScopeImplies / KeycardDefaultGrant) is read from the called method's assembly as it is in real use.
/// </summary>
public sealed class ScopeAnalyzerTests
{
    private static readonly Lazy<MetadataReference> Sdk = new(() => BuildSdk(TestSpecs.Catalog));

    // The same API whose catalog names no default grant.
    private static readonly Lazy<MetadataReference> SdkWithoutDefaultGrant = new(() =>
        BuildSdk(TestSpecs.Catalog.Replace("\"defaultGrant\": [\"event:read\", \"project:read\", \"org:read\"],", string.Empty, StringComparison.Ordinal)));

    private const string Calls = """
        using System.Threading.Tasks;
        using Test.Api;

        public static class Calls
        {
            public static async Task Run(ITestOrganizationsApi orgs, ITestSpikeProtectionApi issues)
            {
                await orgs.RetrieveAnOrganizationAsync("o");
                await orgs.UpdateAnOrganizationAsync("o", new Test.Api.Models.UpdateAnOrganizationRequest());
                await foreach (var issue in issues.EnumerateProjectsIssuesAsync("o", "p"))
                {
                }
            }
        }
        """;

    [Fact]
    public async Task KSC001_FiresUnderTheDefaultGrantForAnOrgWriteCall()
    {
        var diagnostics = await Analyze(Calls, granted: null);
        var error = Assert.Single(diagnostics, d => d.Id == "KSC001");
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("UpdateAnOrganizationAsync", error.Location.SourceTree!.GetText().GetSubText(error.Location.SourceSpan).ToString());
        var message = error.GetMessage();
        Assert.Contains("'ITestOrganizationsApi.UpdateAnOrganizationAsync'", message);
        Assert.Contains("[org:write, org:admin]", message);
        Assert.Contains("[event:read project:read org:read]", message); // the SDK's KeycardDefaultGrant
    }

    [Fact]
    public async Task WithoutADefaultGrantInTheCatalogNothingIsGrantedUnlessConfigured()
    {
        // No built-in fallback: the read call that Sentry's usual default grant would cover is refused too.
        var diagnostics = await Analyze(Calls, granted: null, sdk: SdkWithoutDefaultGrant.Value);
        Assert.Equal(3, diagnostics.Count(d => d.Id == "KSC001"));
        Assert.All(diagnostics.Where(d => d.Id == "KSC001"), d => Assert.Contains("the granted scopes [] (expanded: [])", d.GetMessage()));

        Assert.DoesNotContain(await Analyze(Calls, granted: "org:admin event:read", sdk: SdkWithoutDefaultGrant.Value), d => d.Id == "KSC001");
    }

    [Fact]
    public async Task KSC001_ChecksCallsToTheSdksInterfacesAgainstItsCatalog()
    {
        // The compiled SDK (runtime/KeycardSentry.Sentry, referenced by this test project) carries Sentry's catalog.
        const string source = """
            using System.Threading.Tasks;
            using KeycardSentry.Sentry;

            public static class Calls
            {
                public static async Task Run(ISentryCronsApi crons, ISentryReplaysApi replays, ISentryScimApi scim, ISentryMonitorsApi monitors)
                {
                    await crons.GetOrganizationMonitorAsync("o", "m");
                    await crons.DeleteOrganizationMonitorAsync("o", "m");
                    await replays.GetOrganizationReplayAsync("o", "r");
                    await scim.DeleteOrganizationScimV2UserAsync("o", "m");
                    await monitors.ListOrganizationDetectorsAsync("o");
                }
            }
            """;
        var refused = await Analyze(source, granted: null, sdk: GeneratorHarness.SentrySdk);
        Assert.Equal(
            ["'ISentryCronsApi.DeleteOrganizationMonitorAsync' needs one of [alerts:write, project:admin, project:write]", "'ISentryScimApi.DeleteOrganizationScimV2UserAsync' needs one of [member:admin]"],
            refused.Where(d => d.Id == "KSC001").Select(d => d.GetMessage()[..d.GetMessage().IndexOf(", but", StringComparison.Ordinal)]).Order());

        var granted = await Analyze(source, granted: "alerts:write member:admin org:read", sdk: GeneratorHarness.SentrySdk);
        Assert.DoesNotContain(granted, d => d.Id == "KSC001");
    }

    [Fact]
    public void DeprecatedOperationsAreObsoleteAndNameTheirReplacement()
    {
        const string source = """
            using KeycardSentry.Sentry;

            public static class Calls
            {
                public static object Run(ISentryEventsApi events, ISentryProjectsApi projects) => new object[]
                {
                    events.ListProjectIssuesAsync("o", "p"),
                    events.EnumerateProjectIssuesAsync("o", "p"),
                    projects.SubmitUserFeedbackAsync("o", "p", new KeycardSentry.Sentry.Models.SubmitUserFeedbackRequest()),
                    events.ListOrganizationIssuesAsync("o"),
                };
            }
            """;
        var compilation = CSharpCompilation.Create(
            "User",
            [CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: "/src/User.cs")],
            GeneratorHarness.References.Add(GeneratorHarness.SentrySdk),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var obsolete = compilation.GetDiagnostics().Where(d => d.Id == "CS0618").Select(d => d.GetMessage()).ToList();
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(3, obsolete.Count);
        Assert.Contains(obsolete, m => m.Contains("ListProjectIssuesAsync", StringComparison.Ordinal) && m.Contains("Sentry marks this operation deprecated; use ISentryEventsApi.ListOrganizationIssuesAsync instead.", StringComparison.Ordinal));
        Assert.Contains(obsolete, m => m.Contains("EnumerateProjectIssuesAsync", StringComparison.Ordinal) && m.Contains("use ISentryEventsApi.EnumerateOrganizationIssuesAsync instead.", StringComparison.Ordinal));
        Assert.Contains(obsolete, m => m.Contains("SubmitUserFeedbackAsync", StringComparison.Ordinal) && m.EndsWith("Sentry marks this operation deprecated.'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KSC001_DoesNotFireWhenAnImplyingScopeIsGranted()
    {
        var diagnostics = await Analyze(Calls, granted: "org:admin event:read");
        Assert.DoesNotContain(diagnostics, d => d.Id == "KSC001");
    }

    [Fact]
    public async Task KSC001_FiresWhenTheGrantLacksEveryAcceptedScope()
    {
        var diagnostics = await Analyze(Calls, granted: "org:read event:read");
        Assert.Single(diagnostics, d => d.Id == "KSC001");
    }

    [Fact]
    public async Task KSC001_ChecksMethodGroupsToo()
    {
        const string source = """
            using Test.Api;
            public static class Refs
            {
                public static object Get(ITestOrganizationsApi orgs) => (System.Func<string, Test.Api.Models.UpdateAnOrganizationRequest, System.Threading.CancellationToken, System.Threading.Tasks.Task>)orgs.UpdateAnOrganizationAsync;
            }
            """;
        var diagnostics = await Analyze(source, granted: null);
        Assert.Single(diagnostics, d => d.Id == "KSC001");
    }

    [Theory]
    [InlineData("org:admin;event:read")]
    [InlineData("org:admin,event:read")]
    [InlineData("org:admin event:read")]
    [InlineData(" org:admin ;\tevent:read ")]
    public async Task GrantedScopesAcceptSemicolonsCommasAndSpaces(string granted)
    {
        var diagnostics = await Analyze(Calls, granted);
        Assert.DoesNotContain(diagnostics, d => d.Id is "KSC001" or "KSC003");
    }

    [Fact]
    public async Task TheTargetsSemicolonFreeCopyOfTheGrantWins()
    {
        // The targets pass KeycardGrantedScopesList because ';' starts a comment in the compiler's editorconfig,
        // which would cut "org:admin;event:read" down to "org:admin".
        var diagnostics = await Analyze(Calls, granted: "org:admin", grantedList: "org:admin event:read");
        Assert.DoesNotContain(diagnostics, d => d.Id == "KSC001");
    }

    [Fact]
    public async Task KSC002_ReportsASmallestSufficientGrantOnce()
    {
        var diagnostics = await Analyze(Calls, granted: "org:admin event:read");
        var info = Assert.Single(diagnostics, d => d.Id == "KSC002");
        Assert.Equal(DiagnosticSeverity.Info, info.Severity);
        Assert.Contains("[event:read org:write]", info.GetMessage());
        Assert.Contains("The 3 scoped call(s)", info.GetMessage());
    }

    [Fact]
    public async Task KSC003_ReportsAGrantedScopeNoCallNeeds()
    {
        var diagnostics = await Analyze(Calls, granted: "org:admin event:read project:admin");
        var info = Assert.Single(diagnostics, d => d.Id == "KSC003");
        Assert.Equal(DiagnosticSeverity.Info, info.Severity);
        Assert.Contains("'project:admin'", info.GetMessage());
    }

    [Fact]
    public async Task ScopeReportSwitchTurnsTheInfosIntoWarnings()
    {
        var diagnostics = await Analyze(Calls, granted: "org:admin event:read project:admin", report: true);
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(diagnostics, d => d.Id == "KSC002").Severity);
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(diagnostics, d => d.Id == "KSC003").Severity);
    }

    [Fact]
    public async Task CodeWithoutScopedCallsReportsNothing()
    {
        var diagnostics = await Analyze("public static class Nothing { public static int One() => 1; }", granted: "org:admin");
        Assert.Empty(diagnostics);
    }

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string source, string? granted, bool report = false, string? grantedList = null, MetadataReference? sdk = null)
    {
        var compilation = CSharpCompilation.Create(
            "User",
            [CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: "/src/User.cs")],
            GeneratorHarness.References.Add(sdk ?? Sdk.Value),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        var global = new Dictionary<string, string>();
        if (granted is not null)
        {
            global["build_property.KeycardGrantedScopes"] = granted;
        }

        if (grantedList is not null)
        {
            global["build_property.KeycardGrantedScopesList"] = grantedList;
        }

        if (report)
        {
            global["build_property.KeycardScopeReport"] = "true";
        }

        var options = new AnalyzerOptions([], new TestOptionsProvider(global, new Dictionary<string, IReadOnlyDictionary<string, string>>()));
        return await compilation
            .WithAnalyzers([new ScopeAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
    }

    private static MetadataReference BuildSdk(string catalog)
    {
        var (_, _, output, _) = GeneratorHarness.Run(TestSpecs.Files(catalog: catalog));
        using var stream = new MemoryStream();
        var emit = output.WithAssemblyName("Test.Sdk").Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}
