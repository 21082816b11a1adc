using System.Collections.Generic;
using System.Linq;
using System.Threading;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;

namespace KeycardSentry.Generator.Emitting;

/// <summary>Model records in, C# source files out. No Roslyn symbols or spec objects here.</summary>
internal static partial class Emitter
{
    internal const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"KeycardSentry.Generator\", \"0.1.0\")]";
    private const string Task = "global::System.Threading.Tasks.Task";
    private const string CancellationToken = "global::System.Threading.CancellationToken";
    private const string ReadOnlyList = "global::System.Collections.Generic.IReadOnlyList<string>";

    /// <summary>Every generated file of one spec, as (hint name, text).</summary>
    public static IEnumerable<(string HintName, string Text)> Emit(ApiModel model, CancellationToken cancellationToken)
    {
        var prefix = model.Namespace + "." + model.Prefix;
        var methods = new MethodIndex(model);
        foreach (var api in model.Interfaces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return ($"{model.Namespace}.{api.Name}.g.cs", EmitInterface(model, api, methods));
        }

        yield return ($"{prefix}Models.g.cs", EmitModels(model));
        yield return ($"{prefix}Scopes.g.cs", EmitScopes(model));
        yield return ($"{prefix}ScopeAttributes.g.cs", EmitAssemblyAttributes(model));
        yield return ($"{prefix}Operations.g.cs", EmitOperations(model));
        yield return ($"{prefix}ApiScopeCatalog.g.cs", EmitCatalog(model));
        yield return ($"{prefix}ClientsServiceCollectionExtensions.g.cs", EmitServiceCollectionExtensions(model));
    }

    private static SourceWriter Start(string? @namespace)
    {
        var writer = new SourceWriter();
        writer.WriteLine(SourceWriter.Header.TrimEnd('\n'));
        if (@namespace is not null)
        {
            writer.WriteLine().OpenBlock("namespace " + @namespace);
        }

        return writer;
    }

    /// <summary>Every generated type opens the same way: its summary, the GeneratedCode attribute, the declaration.</summary>
    private static void OpenType(SourceWriter w, string? summary, string declaration, bool raw = false)
    {
        w.Doc("summary", summary, raw: raw);
        w.WriteLine(GeneratedCode);
        w.OpenBlock(declaration);
    }

    /// <summary>
    /// A constructor taking one argument per get-only property (camel-cased name), then the documented properties.
    /// </summary>
    private static void EmitConstructorAndProperties(SourceWriter w, string typeName, string constructorSummary, params (string Name, string Type, string Summary)[] properties)
    {
        static string Argument(string name) => char.ToLowerInvariant(name[0]) + name.Substring(1);

        w.Doc("summary", constructorSummary);
        w.OpenBlock($"public {typeName}({string.Join(", ", properties.Select(p => p.Type + " " + Argument(p.Name)))})");
        foreach (var property in properties)
        {
            w.WriteLine($"{property.Name} = {Argument(property.Name)};");
        }

        w.CloseBlock();
        foreach (var property in properties)
        {
            w.WriteLine();
            w.Doc("summary", property.Summary);
            w.WriteLine($"public {property.Type} {property.Name} {{ get; }}");
        }
    }

    private static string StringArray(IEnumerable<string> values)
    {
        var list = values.ToList();
        return list.Count == 0
            ? "global::System.Array.Empty<string>()"
            : "new string[] { " + string.Join(", ", list.Select(Naming.Literal)) + " }";
    }

    private static string RequiresScopes(OperationSpec op) =>
        $"[global::KeycardSentry.RequiresScopes({string.Join(", ", op.Scopes.Select(Naming.Literal))})]";

    private static string Strip(string name, string prefix) =>
        name.StartsWith(prefix, System.StringComparison.Ordinal) ? name.Substring(prefix.Length) : name;
}
