using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace KeycardSentry.Benchmarks.Infrastructure;

/// <summary>
/// Every benchmark class runs its floor (<c>[Benchmark(Baseline = true)]</c>) and the project's paths in the same run,
/// and prints each as a ratio to the floor, of means and of medians: on a shared machine only ratios measured side by
/// side mean anything.
/// Fifteen iterations after three warm-ups, one launch; allocations per operation; ratios with their spread. In process
/// (no per-run rebuild of the solution into a separate folder, which takes longer than BenchmarkDotNet's build time-out
/// on a busy 2-core machine): every case still gets its own global setup and cleanup.
/// </summary>
public sealed class FloorConfig : ManualConfig
{
    public FloorConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15).WithToolchain(InProcessEmitToolchain.Instance).WithId("Floor"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(BaselineRatioColumn.RatioMean, BaselineRatioColumn.RatioStdDev, new MedianRatioColumn(), StatisticColumn.Median);
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value));
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
    }
}
