namespace KeycardSentry.Testing;

/// <summary>Finds the repository this code was built from (the folder holding <c>KeycardSentry.sln</c>), from the output folder.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>The repository root, found by walking up from <see cref="AppContext.BaseDirectory"/>.</summary>
    /// <exception cref="InvalidOperationException">No <c>KeycardSentry.sln</c> lies above the output folder (the build output was moved).</exception>
    public static string Root => RootFolder.Value;

    private static string FindRoot()
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
