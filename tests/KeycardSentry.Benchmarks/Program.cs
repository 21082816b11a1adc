// Benchmarks, each beside its floor in the same class (see README "Performance"), and the consumer build cost:
//   dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- --filter '*'
//   dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- build-cost [--repeat 3]
//   dotnet run -c Release --project tests/KeycardSentry.Benchmarks -- paired [rounds]   (alternating batches: ratio per round)
//   dotnet tests/KeycardSentry.Benchmarks/bin/Release/net10.0/KeycardSentry.Benchmarks.dll profile <case> [seconds] [ops]
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "build-cost")
{
    return await KeycardSentry.Benchmarks.BuildCost.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "paired")
{
    return await KeycardSentry.Benchmarks.Paired.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "profile")
{
    return await KeycardSentry.Benchmarks.Profile.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(KeycardSentry.Benchmarks.TokenGetBenchmarks).Assembly).Run(args);
return 0;
