using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace KeycardSentry.Benchmarks.Infrastructure;

/// <summary>
/// The median of a case over the median of its floor (the baseline of its group). On a shared machine some iterations
/// are stretched by other processes taking the cores; the median of each side is what a typical call costs, so this is the
/// ratio the README quotes (with the range over repeated runs), next to BenchmarkDotNet's mean ratio.
/// </summary>
public sealed class MedianRatioColumn : IColumn
{
    public string Id => nameof(MedianRatioColumn);

    public string ColumnName => "Ratio (median)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Baseline;

    public int PriorityInCategory => 10;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Median of the case over the median of its group's floor ([Baseline])";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        var own = summary[benchmarkCase]?.ResultStatistics;
        var floor = baseline is null ? null : summary[baseline]?.ResultStatistics;
        return own is null || floor is null || floor.Median <= 0
            ? "?"
            : (own.Median / floor.Median).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
    }
}
