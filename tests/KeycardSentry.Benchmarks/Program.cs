using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(KeycardSentry.Benchmarks.TokenCacheBenchmarks).Assembly).Run(args);
