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
    public static string RepositoryRoot => RepositoryFiles.Root;

    /// <summary>Returns the full path of <c>../shared/{relativePath}</c>, or skips (fails under CI) when it is missing.</summary>
    public static string Require(string relativePath)
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", relativePath));
        if (File.Exists(path))
        {
            return path;
        }

        SkipOrFail(RequireVariable, $"This test needs the shared reference file '../shared/{relativePath}' beside the repository (looked for {path}).");
        return path; // unreachable: SkipOrFail throws
    }

    /// <summary>
    /// Skips the test with <paramref name="message"/>, or fails it when <paramref name="requireVariable"/> is set to
    /// <c>1</c> or <c>true</c> (as CI does: there a missing prerequisite is a failure). Always throws.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void SkipOrFail(string requireVariable, string message)
    {
        if (Environment.GetEnvironmentVariable(requireVariable) is "1" or "true")
        {
            throw new InvalidOperationException(message + $" {requireVariable} is set, so this is a failure.");
        }

        // The reason also goes out as a diagnostic message, which `dotnet test` prints (tests/xunit.runner.json turns
        // diagnostic messages on); a plain skip shows only the test's name there.
        TestContext.Current.SendDiagnosticMessage("SKIPPED " + TestContext.Current.Test?.TestDisplayName + ": " + message);
        Assert.Skip(message);
    }
}
