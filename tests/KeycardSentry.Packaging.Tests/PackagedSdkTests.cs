using KeycardSentry.Testing;
using Xunit;

namespace KeycardSentry.Packaging.Tests;

/// <summary>
/// Packs the Sentry SDK and its dependencies into a local folder feed, then builds a throwaway consumer that references
/// only KeycardSentry.Sentry: the typed clients and the KSC scope analyzer must arrive with no other setup.
/// </summary>
[Collection(DotNetCli.BuildsCollection)]
public sealed class PackagedSdkTests : IAsyncLifetime
{
    private static readonly string[] PackedProjects =
    [
        "runtime/KeycardSentry.Abstractions/KeycardSentry.Abstractions.csproj",
        "runtime/KeycardSentry/KeycardSentry.csproj",
        "runtime/KeycardSentry.Sentry/KeycardSentry.Sentry.csproj",
    ];

    /// <summary>A consumer's calls: one the default grant covers (org:read), one it does not (org:write).</summary>
    internal const string ConsumerCalls = """
            using KeycardSentry.Sentry;
            using KeycardSentry.Sentry.Models;

            namespace Consumer;

            public static class Calls
            {
                // Needs org:read (any of org:admin, org:read, org:write): fine under Keycard's default grant.
                public static Task<Organization> Read(ISentryOrganizationsApi api) => api.GetOrganizationAsync("acme");

                // Needs org:write or org:admin: not in the default grant.
                public static Task<OrganizationWithProjectsAndTeams> Rename(ISentryOrganizationsApi api) =>
                    api.UpdateOrganizationAsync("acme", new UpdateOrganizationRequest { Name = "Acme" });
            }
            """;

    private readonly string _work = Path.Combine(Path.GetTempPath(), "ks-pack-" + Guid.NewGuid().ToString("N")[..12]);
    // A version no earlier run used, so the NuGet cache can never hand back a stale package.
    private readonly string _version = "0.0.0-pack." + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "." + Random.Shared.Next(1000, 9999);

    private string Feed => Path.Combine(_work, "feed");

    private string Consumer => Path.Combine(_work, "consumer");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(Consumer);
        foreach (var project in PackedProjects)
        {
            var (code, output) = await DotNetCli.RunAsync(SharedFiles.RepositoryRoot, TestContext.Current.CancellationToken,
                "pack", project, "-c", "Release", "-o", Feed, "-p:Version=" + _version, "-p:ContinuousIntegrationBuild=true");
            Assert.True(code == 0, $"dotnet pack {project} failed:\n{output}");
        }

        await File.WriteAllTextAsync(Path.Combine(Consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <!-- The machine's own sources stay in force (for Refit and the other dependencies); this adds the local feed. -->
                <add key="keycardsentry-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(Consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="KeycardSentry.Sentry" Version="{_version}" />
              </ItemGroup>
              <PropertyGroup Condition="'$(GrantAdmin)' == 'true'">
                <!-- Semicolons on purpose: the compiler's view of MSBuild properties treats ';' as a comment start. -->
                <KeycardGrantedScopes>event:read;project:read;org:admin</KeycardGrantedScopes>
              </PropertyGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(Consumer, "Calls.cs"), ConsumerCalls);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Consumer_of_the_packed_sdk_gets_clients_and_the_scope_check()
    {
        var ct = TestContext.Current.CancellationToken;

        var (denied, deniedOutput) = await DotNetCli.RunAsync(Consumer, ct, "build", "-nologo");
        Assert.True(denied != 0, "The build should fail with KSC001 under Keycard's default grant:\n" + deniedOutput);
        Assert.Contains("error KSC001", deniedOutput, StringComparison.Ordinal);
        Assert.Contains("UpdateOrganizationAsync", deniedOutput, StringComparison.Ordinal);
        Assert.Contains("org:write", deniedOutput, StringComparison.Ordinal);
        // Only the write is refused: the read is covered by the default grant.
        Assert.DoesNotContain("GetOrganizationAsync", deniedOutput, StringComparison.Ordinal);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', deniedOutput.Split('\n').Where(l => l.Contains("KSC001", StringComparison.Ordinal)).Distinct()));

        var (granted, grantedOutput) = await DotNetCli.RunAsync(Consumer, ct, "build", "-nologo", "-p:GrantAdmin=true", "-p:KeycardScopeReport=true");
        Assert.True(granted == 0, "With org:admin granted the build should pass:\n" + grantedOutput);
        Assert.DoesNotContain("KSC001", grantedOutput, StringComparison.Ordinal);
        // The scope report arrives through the package too, as warnings that do not fail the build.
        Assert.Contains("warning KSC002", grantedOutput, StringComparison.Ordinal);
        Assert.Contains("warning KSC003", grantedOutput, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', grantedOutput.Split('\n').Where(l => l.Contains("KSC00", StringComparison.Ordinal)).Distinct()));
    }
}
