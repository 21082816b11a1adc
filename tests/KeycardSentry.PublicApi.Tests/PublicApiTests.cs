using System.Reflection;
using PublicApiGenerator;

namespace KeycardSentry.PublicApi.Tests;

/// <summary>
/// The public surface of each runtime package, compared with the approved text beside this test: a type or member becomes
/// public (or stops being public) only on purpose. On a difference the test writes <c>approved/{assembly}.received.txt</c>;
/// review it, and if the change is meant, move it over <c>{assembly}.approved.txt</c>. The generated Sentry SDK is left out:
/// its surface follows the spec, and the generator's tests pin its shape.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies =>
    [
        "KeycardSentry.Abstractions",
        "KeycardSentry",
        "KeycardSentry.Orleans.Abstractions",
        "KeycardSentry.Orleans",
        "KeycardSentry.AspNetCore",
    ];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_api_is_the_approved_one(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var actual = assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // Not the surface: which of our own assemblies see internals, and what Orleans' code generator emits.
            ExcludeAttributes =
            [
                "System.Runtime.Versioning.TargetFrameworkAttribute",
                "System.Reflection.AssemblyMetadataAttribute",
                "System.Runtime.CompilerServices.InternalsVisibleToAttribute",
                "System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute",
                "System.Runtime.CompilerServices.AsyncStateMachineAttribute",
                "Orleans.ApplicationPartAttribute",
                "Orleans.Serialization.Configuration.TypeManifestProviderAttribute",
            ],
            DenyNamespacePrefixes = ["OrleansCodeGen"],
        }).ReplaceLineEndings("\n");

        var folder = Path.Combine(RepositoryRoot(), "tests", "KeycardSentry.PublicApi.Tests", "approved");
        var approvedPath = Path.Combine(folder, assemblyName + ".approved.txt");
        var receivedPath = Path.Combine(folder, assemblyName + ".received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        Assert.Fail($"The public API of {assemblyName} changed. Review {receivedPath}; if the change is meant, move it over {approvedPath}.");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KeycardSentry.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("KeycardSentry.sln not found above " + AppContext.BaseDirectory);
    }
}
