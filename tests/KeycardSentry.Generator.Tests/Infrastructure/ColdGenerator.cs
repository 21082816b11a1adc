using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace KeycardSentry.Generator.Tests.Infrastructure;

/// <summary>
/// Our generator loaded afresh into a load context of its own, so its code is compiled by the JIT again, as on the
/// compiler's first build (Roslyn itself and the framework stay shared and warm, as in an IDE).
/// </summary>
internal sealed class ColdGenerator : IDisposable
{
    private static readonly string[] Fresh = ["KeycardSentry.Generator"];
    private readonly Context _context = new();

    public Assembly Generator => _context.LoadFromAssemblyName(new AssemblyName("KeycardSentry.Generator"));

    public IIncrementalGenerator CreateGenerator() =>
        (IIncrementalGenerator)Activator.CreateInstance(Generator.GetType("KeycardSentry.Generator.KeycardApiGenerator", throwOnError: true)!)!;

    public void Dispose() => _context.Unload();

    private sealed class Context() : AssemblyLoadContext("cold-generator", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name) =>
            Fresh.Contains(name.Name) ? LoadFromAssemblyPath(Path.Combine(AppContext.BaseDirectory, name.Name + ".dll")) : null;
    }
}
