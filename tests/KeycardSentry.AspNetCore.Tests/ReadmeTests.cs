using KeycardSentry.Testing;

namespace KeycardSentry.AspNetCore.Tests;

/// <summary>The README's ASP.NET Core code block is the code these tests run.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void TheReadmesAspNetCoreBlock_IsReadmeProgram_LineForLine()
    {
        var root = SharedFiles.RepositoryRoot;
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        var source = File.ReadAllLines(Path.Combine(root, "tests", "KeycardSentry.AspNetCore.Tests", "ReadmeProgram.cs"));

        var start = Array.FindIndex(source, l => l.Trim() == "// <readme:aspnetcore>");
        var end = Array.FindIndex(source, l => l.Trim() == "// </readme:aspnetcore>");
        Assert.True(start >= 0 && end > start, "ReadmeProgram.cs lost its readme markers.");
        var indent = source[start].Length - source[start].TrimStart().Length;
        var expected = source[(start + 1)..end].Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()).ToList();

        // The block in the README is the fenced csharp block that follows the line "<!-- compiled: tests/KeycardSentry.AspNetCore.Tests/ReadmeProgram.cs -->".
        var marker = Array.FindIndex(readme, l => l.Trim() == "<!-- compiled: tests/KeycardSentry.AspNetCore.Tests/ReadmeProgram.cs -->");
        Assert.True(marker >= 0, "README.md lost the marker line before its ASP.NET Core block.");
        Assert.Equal("```csharp", readme[marker + 1].Trim());
        var close = Array.FindIndex(readme, marker + 2, l => l.Trim() == "```");
        var actual = readme[(marker + 2)..close].ToList();

        Assert.Equal(expected, actual);
    }
}
