using System.Globalization;
using System.Text.RegularExpressions;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// What the compiler itself says: a full build of each consumer with <c>-p:UseSharedCompilation=false</c> (a fresh csc
/// process, nothing JIT-compiled or cached from an earlier build, as on a build agent or the first build after a
/// restart) and <c>-p:ReportAnalyzer=true</c>, csc's own timing of every analyzer and generator. Reads from csc's
/// report the generator's and the KSC scope analyzer's times, and the generator driver's total. csc times each
/// generator's ordinary outputs only: the pre-compilation outputs (<c>RegisterPreCompilationSourceOutput</c>, where
/// KeycardSentry.Generator reads the spec and writes the clients, and Roslyn parses that text) are in the driver's total
/// but in no generator's line. KeycardSentry.Generator is the only generator here with such outputs, so the driver's
/// total minus the sum of the generators' lines is its pre-compilation phase; the app that carries the generator
/// without a spec (the SDK package's analyzer assembly) gives that remainder's floor.
/// </summary>
internal static partial class FreshCompiler
{
    public static async Task<List<(string Name, List<Report> Reports)>> MeasureAsync(IReadOnlyList<(string Name, string Directory)> consumers, int repeat)
    {
        var results = consumers.Select(c => (c.Name, Reports: new List<Report>())).ToList();
        for (var i = 0; i < repeat; i++)
        {
            Console.Error.WriteLine($"fresh compiler, round {i + 1}/{repeat} ...");
            for (var c = 0; c < consumers.Count; c++)
            {
                var output = await BuildCost.MustAsync(consumers[c].Directory, "build", "--no-restore", "--no-incremental", "-v:d", "-clp:PerformanceSummary", "-p:UseSharedCompilation=false", "-p:ReportAnalyzer=true");
                results[c].Reports.Add(Report.Parse(output));
            }
        }

        return results;
    }

    public static void Print(List<(string Name, List<Report> Reports)> results, int repeat, string loadAverage)
    {
        Console.WriteLine($"> full build in a fresh compiler process (`-p:UseSharedCompilation=false -p:ReportAnalyzer=true`), csc's own report; {repeat} rounds; medians (range) in seconds; load average {loadAverage}");
        Console.WriteLine("| consumer | csc task | generator driver, total | Σ generators' lines | driver total − Σ (pre-compilation phase) | KeycardApiGenerator's line | KSC ScopeAnalyzer |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, reports) in results)
        {
            Console.WriteLine($"| {name} | {BuildCost.Range(reports.Select(r => r.Csc).ToList())} | {BuildCost.Range(reports.Select(r => r.DriverTotal).ToList())} | {BuildCost.Range(reports.Select(r => r.GeneratorsSum).ToList())} | {BuildCost.Range(reports.Select(r => r.DriverTotal - r.GeneratorsSum).ToList())} | {Optional(reports.Select(r => r.KeycardGenerator).ToList())} | {Optional(reports.Select(r => r.ScopeAnalyzer).ToList())} |");
        }
    }

    private static string Optional(List<double?> values) =>
        values.All(v => v is not null) ? BuildCost.Range(values.Select(v => v!.Value).ToList()) : "—";

    /// <summary>One csc run's figures, in seconds.</summary>
    internal sealed record Report(double Csc, double DriverTotal, double GeneratorsSum, double? KeycardGenerator, double? ScopeAnalyzer)
    {
        public static Report Parse(string output)
        {
            var csc = CscTask().Match(output);
            var total = GeneratorTotal().Match(output);
            if (!csc.Success || !total.Success)
            {
                throw new InvalidOperationException("The build printed no csc analyzer report (ReportAnalyzer) or no task summary:\n" + output[^Math.Min(output.Length, 4000)..]);
            }

            // The generator table follows "Total generator execution time": an assembly line ("  1.234   12   Name, Version=...")
            // then one line per generator in it, until a blank line.
            var sum = 0.0;
            double? keycard = null;
            foreach (var line in output[(total.Index + total.Length)..].Split('\n').Skip(3))
            {
                if (string.IsNullOrWhiteSpace(line) || Row().Match(line) is not { Success: true } row)
                {
                    break;
                }

                var seconds = row.Groups[1].Value.StartsWith('<') ? 0 : Seconds(row.Groups[1].Value);
                if (row.Groups[2].Value.Contains(", Version=", StringComparison.Ordinal))
                {
                    sum += seconds;
                }
                else if (row.Groups[2].Value.Trim() == "KeycardSentry.Generator.KeycardApiGenerator")
                {
                    keycard = seconds;
                }
            }

            var analyzer = ScopeAnalyzerLine().Match(output);
            return new Report(
                double.Parse(csc.Groups[1].Value, CultureInfo.InvariantCulture) / 1000,
                Seconds(total.Groups[1].Value),
                sum,
                keycard,
                analyzer.Success ? (analyzer.Groups[1].Value.StartsWith('<') ? 0 : Seconds(analyzer.Groups[1].Value)) : null);
        }

        private static double Seconds(string text) => double.Parse(text.TrimStart('<'), CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(\d+) ms\s+Csc\s+\d+ calls")]
    private static partial Regex CscTask();

    [GeneratedRegex(@"Total generator execution time: ([\d.]+) seconds")]
    private static partial Regex GeneratorTotal();

    [GeneratedRegex(@"^\s+(<?[\d.]+)\s+<?\d+\s+(\S.*?)\s*$")]
    private static partial Regex Row();

    [GeneratedRegex(@"(<?[\d.]+)\s+<?\d+\s+KeycardSentry\.Generator\.Analysis\.ScopeAnalyzer")]
    private static partial Regex ScopeAnalyzerLine();
}
