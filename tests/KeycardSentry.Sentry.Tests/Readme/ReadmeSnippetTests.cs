using System.Text.RegularExpressions;
using KeycardSentry.Testing;

namespace KeycardSentry.Sentry.Tests.Readme;

/// <summary>
/// Every C# block in the repository's READMEs is code a project compiles: the block follows a line
/// <c>&lt;!-- compiled: path/File.cs#name --&gt;</c>, and equals the lines between <c>// &lt;readme:name&gt;</c> and
/// <c>// &lt;/readme:name&gt;</c> in that file (all such regions in order, each without its common indentation).
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    public static TheoryData<string> Readmes() => new(
        "README.md",
        "runtime/KeycardSentry.Orleans/README.md",
        "tests/KeycardSentry.Testing/README.md");

    [Theory]
    [MemberData(nameof(Readmes))]
    public void Every_csharp_block_is_a_compiled_region(string readme)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryFiles.Root, readme));
        var blocks = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp")
            {
                continue;
            }

            blocks++;
            var marker = i > 0 ? MarkerPattern().Match(lines[i - 1].Trim()) : Match.Empty;
            Assert.True(marker.Success, $"{readme}:{i + 1}: a ```csharp block without a '<!-- compiled: path#name -->' line above it.");
            var close = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            var shown = lines[(i + 1)..close];

            var expected = Region(marker.Groups["path"].Value, marker.Groups["name"].Value);
            Assert.True(expected.SequenceEqual(shown),
                $"{readme}:{i + 1} differs from {marker.Groups["path"].Value}#{marker.Groups["name"].Value}.\n--- compiled:\n{string.Join('\n', expected)}\n--- README:\n{string.Join('\n', shown)}");
            i = close;
        }

        Assert.True(blocks > 0, $"{readme} has no C# block; drop it from this test.");
    }

    private static List<string> Region(string path, string name)
    {
        var source = File.ReadAllLines(Path.Combine(RepositoryFiles.Root, path));
        var result = new List<string>();
        for (var start = 0; (start = Array.FindIndex(source, start, l => l.Trim() == $"// <readme:{name}>")) >= 0;)
        {
            var end = Array.FindIndex(source, start + 1, l => l.Trim() == $"// </readme:{name}>");
            Assert.True(end > start, $"{path}: '// <readme:{name}>' without its closing line.");
            var body = source[(start + 1)..end];
            var indent = body.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
            result.AddRange(body.Select(l => l.Length >= indent ? l[indent..] : l.Trim()));
            start = end + 1;
        }

        Assert.True(result.Count > 0, $"{path} has no region '{name}'.");
        return result;
    }

    [GeneratedRegex(@"^<!-- compiled: (?<path>[^#\s]+)#(?<name>[\w-]+) -->$")]
    private static partial Regex MarkerPattern();
}
