namespace KeycardSentry.SpecImport;

/// <summary>The command line: <c>import</c> (write or check our spec and catalog) and <c>diff</c> (two published versions).</summary>
public static class Cli
{
    private const string Usage = """
        usage:
          import [--source FILE] [--hierarchy FILE] [--spec FILE] [--catalog FILE] [--fresh] [--check]
              Writes our spec and scope catalog from Sentry's published document. Defaults, from the repository root:
              --source ../shared/sentry/openapi.json  --hierarchy ../shared/sentry/scope-hierarchy.json
              --spec specs/sentry.openapi.json        --catalog specs/sentry.scopes.json
              The current spec's type names stay put (--fresh names everything anew).
              --check writes nothing and exits 1 when the files would change.
          diff OLD NEW
              What changed between two published documents: operations added or removed, scopes, parameters.
              Exits 1 when there are changes.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            return args.FirstOrDefault() switch
            {
                "import" => Import(args.Skip(1).ToList(), output, error),
                "diff" when args.Length == 3 => Diff(args[1], args[2], output),
                _ => Fail(error, Usage),
            };
        }
        catch (Exception ex) when (ex is ImportException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            error.WriteLine("error: " + ex.Message);
            return 2;
        }
    }

    private static int Import(List<string> args, TextWriter output, TextWriter error)
    {
        string Option(string name, string fallback)
        {
            var index = args.IndexOf(name);
            return index >= 0 && index + 1 < args.Count ? args[index + 1] : fallback;
        }

        var known = new HashSet<string>(StringComparer.Ordinal) { "--source", "--hierarchy", "--spec", "--catalog", "--fresh", "--check" };
        if (args.Where((a, i) => a.StartsWith("--", StringComparison.Ordinal) && !known.Contains(a)).FirstOrDefault() is { } unknown)
        {
            return Fail(error, $"unknown option '{unknown}'\n{Usage}");
        }

        var source = Option("--source", "../shared/sentry/openapi.json");
        var hierarchy = Option("--hierarchy", "../shared/sentry/scope-hierarchy.json");
        var spec = Option("--spec", "specs/sentry.openapi.json");
        var catalog = Option("--catalog", "specs/sentry.scopes.json");
        var previous = !args.Contains("--fresh") && File.Exists(spec) ? File.ReadAllText(spec) : null;

        var result = SentrySpecImporter.Import(File.ReadAllText(source), File.ReadAllText(hierarchy), previous);
        foreach (var note in result.Notes)
        {
            output.WriteLine("note: " + note);
        }

        output.WriteLine($"{result.Operations} operations, {result.Tags} tags, {result.Types} types ({result.Remembered} keep the name the previous spec gave them)");
        if (args.Contains("--check"))
        {
            var stale = new[] { (spec, result.Spec), (catalog, result.Catalog) }
                .Where(f => !File.Exists(f.Item1) || File.ReadAllText(f.Item1) != f.Item2)
                .Select(f => f.Item1)
                .ToList();
            foreach (var file in stale)
            {
                output.WriteLine($"{file} differs from the import");
            }

            return stale.Count == 0 ? 0 : 1;
        }

        File.WriteAllText(spec, result.Spec);
        File.WriteAllText(catalog, result.Catalog);
        output.WriteLine($"wrote {spec} and {catalog}");
        return 0;
    }

    private static int Diff(string oldFile, string newFile, TextWriter output)
    {
        var changes = SpecDiff.Compare(File.ReadAllText(oldFile), File.ReadAllText(newFile));
        foreach (var change in changes)
        {
            output.WriteLine(change);
        }

        output.WriteLine(changes.Count == 0 ? "no changes in operations, scopes or parameters" : $"{changes.Count} change(s)");
        return changes.Count == 0 ? 0 : 1;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return 2;
    }
}
