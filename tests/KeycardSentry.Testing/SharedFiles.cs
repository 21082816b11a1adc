using Xunit;

namespace KeycardSentry.Testing;

/// <summary>
/// Finds reference data in the <c>shared/</c> folder that lies beside the checkout (<c>../shared</c> from the repository
/// root). A user's clone has none: tests that need it then skip, naming the file. CI sets
/// <c>KEYCARDSENTRY_REQUIRE_SHARED=1</c>, which turns that skip into a failure.
/// </summary>
public static class SharedFiles
{
    /// <summary>The environment variable that makes a missing shared file a failure instead of a skip.</summary>
    public const string RequireVariable = "KEYCARDSENTRY_REQUIRE_SHARED";

    /// <summary>The repository root (the folder holding <c>KeycardSentry.sln</c>), found from the test's output folder.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Returns the full path of <c>../shared/{relativePath}</c>, or skips (fails under CI) when it is missing.</summary>
    public static string Require(string relativePath)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", relativePath));
        if (File.Exists(path))
        {
            return path;
        }

        var message = $"This test needs the shared reference file '../shared/{relativePath}' beside the repository (looked for {path}).";
        if (Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true")
        {
            throw new InvalidOperationException(message + $" {RequireVariable} is set, so a missing file is a failure.");
        }

        Assert.Skip(message);
        return path; // unreachable: Assert.Skip throws
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KeycardSentry.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"KeycardSentry.sln not found above {AppContext.BaseDirectory}.");
    }
}
