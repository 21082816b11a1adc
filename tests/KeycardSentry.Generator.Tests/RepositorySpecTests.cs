using KeycardSentry.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>The project's own spec and catalog (specs/) generate clean code.</summary>
public sealed class RepositorySpecTests
{
    [Fact]
    public void ProjectSpecGeneratesWithoutErrorsOrWarnings()
    {
        var (_, result, output, generatorDiagnostics) = GeneratorHarness.Run(TestSpecs.RepositoryFiles());

        Assert.DoesNotContain(generatorDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);

        // Six paginated operations answer with an object (an envelope such as {"data": [...]}): no Enumerate…Async helper.
        Assert.Equal(6, generatorDiagnostics.Count(d => d.Id == "KSG010"));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        Assert.NotNull(output.GetTypeByMetadataName("KeycardSentry.Sentry.SentryScopes"));
        Assert.NotNull(output.GetTypeByMetadataName("KeycardSentry.Sentry.SentryApiScopeCatalog"));
        Assert.NotEmpty(GeneratorHarness.OurTrees(result));
    }
}
