using KeycardSentry.Testing;
using Xunit;

namespace KeycardSentry.Packaging.Tests;

/// <summary>A ProjectReference to runtime/KeycardSentry.Sentry brings the KSC scope analyzer, as the package does.</summary>
[Collection(DotNetCli.BuildsCollection)]
public sealed class ProjectReferenceTests
{
    [Fact]
    public async Task A_project_reference_to_the_sdk_brings_the_scope_check_too()
    {
        // Inside the repository, where its Directory.Build.targets imports KeycardSentry.Sentry.ProjectReference.targets
        // (a project elsewhere imports that file itself, as the README says).
        var ct = TestContext.Current.CancellationToken;
        var consumer = Path.Combine(SharedFiles.RepositoryRoot, "tests", "KeycardSentry.Packaging.Tests", "obj", "projectref-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(consumer);
        try
        {
            var sdk = Path.GetRelativePath(consumer, Path.Combine(SharedFiles.RepositoryRoot, "runtime", "KeycardSentry.Sentry", "KeycardSentry.Sentry.csproj"));
            await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <IsPackable>false</IsPackable>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{sdk}" />
                  </ItemGroup>
                </Project>
                """, ct);
            await File.WriteAllTextAsync(Path.Combine(consumer, "Calls.cs"), PackagedSdkTests.ConsumerCalls, ct);

            var (denied, deniedOutput) = await DotNetCli.RunAsync(consumer, ct, "build", "-nologo");
            Assert.True(denied != 0, "The build should fail with KSC001 under Keycard's default grant:\n" + deniedOutput);
            Assert.Contains("error KSC001: 'ISentryOrganizationsApi.UpdateOrganizationAsync'", deniedOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("GetOrganizationAsync", deniedOutput, StringComparison.Ordinal);

            var (granted, grantedOutput) = await DotNetCli.RunAsync(consumer, ct, "build", "-nologo", "-p:KeycardGrantedScopes=event:read%3Bproject:read%3Borg:admin");
            Assert.True(granted == 0, "With org:admin granted the build should pass:\n" + grantedOutput);
        }
        finally
        {
            Directory.Delete(consumer, recursive: true);
        }
    }
}
