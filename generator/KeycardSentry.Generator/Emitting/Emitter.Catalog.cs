using System.Linq;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;

namespace KeycardSentry.Generator.Emitting;

internal static partial class Emitter
{
    private static string EmitScopes(ApiModel model)
    {
        var catalog = model.Catalog;
        var w = Start(model.Namespace);
        OpenType(w, $"The {model.Prefix} API's scope catalog: a constant per scope, the default grant, the implications and the regions.", $"public static class {model.Prefix}Scopes");
        w.Doc("summary", "The Keycard resource identifier of the API.");
        w.WriteLine($"public const string Resource = {Naming.Literal(catalog.Resource)};");
        foreach (var scope in catalog.Scopes)
        {
            w.WriteLine();
            w.Doc("summary", $"<c>{SourceWriter.Escape(scope.Name)}</c>" + (string.IsNullOrWhiteSpace(scope.Description) ? string.Empty : ": " + SourceWriter.Escape(scope.Description!)), raw: true);
            w.WriteLine($"public const string {scope.ConstName} = {Naming.Literal(scope.Name)};");
        }

        w.WriteLine();
        w.Doc("summary", "Every scope of the catalog.");
        w.WriteLine($"public static {ReadOnlyList} All {{ get; }} = {StringArray(catalog.Scopes.Select(s => s.Name))};");
        w.WriteLine();
        w.Doc("summary", "The scopes Keycard grants by default for the resource.");
        w.WriteLine($"public static {ReadOnlyList} DefaultGrant {{ get; }} = {StringArray(catalog.DefaultGrant)};");
        w.WriteLine();
        w.Doc("summary", "For each scope, every scope a token holding it has (itself included).");
        w.WriteLine($"public static global::System.Collections.Generic.IReadOnlyDictionary<string, {ReadOnlyList}> Implications {{ get; }} =");
        w.Indent();
        w.WriteLine($"new global::System.Collections.ObjectModel.ReadOnlyDictionary<string, {ReadOnlyList}>(");
        w.Indent();
        w.OpenBlock($"new global::System.Collections.Generic.Dictionary<string, {ReadOnlyList}>(global::System.StringComparer.Ordinal)");
        foreach (var scope in catalog.Scopes)
        {
            w.WriteLine($"[{scope.ConstName}] = {StringArray(scope.Implies)},");
        }

        w.CloseBlock(");");
        w.Unindent().Unindent();
        w.WriteLine();
        w.Doc("summary", "The regional base addresses of the API.");
        w.OpenBlock("public static class Regions");
        foreach (var region in catalog.Regions)
        {
            w.Doc("summary", $"Region \"{region.Name}\".");
            w.WriteLine($"public const string {region.ConstName} = {Naming.Literal(region.BaseUrl)};");
            w.WriteLine();
        }

        w.Doc("summary", "Region name to base address.");
        w.WriteLine("public static global::System.Collections.Generic.IReadOnlyDictionary<string, string> All { get; } =");
        w.Indent();
        w.WriteLine("new global::System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(");
        w.Indent();
        w.OpenBlock("new global::System.Collections.Generic.Dictionary<string, string>(global::System.StringComparer.Ordinal)");
        foreach (var region in catalog.Regions)
        {
            w.WriteLine($"[{Naming.Literal(region.Name)}] = {region.ConstName},");
        }

        w.CloseBlock(");");
        w.Unindent().Unindent();
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
        return w.ToString();
    }

    private static string EmitAssemblyAttributes(ApiModel model)
    {
        // The scope analyzer reads these from the assembly that declares a called method, so the catalog
        // travels with a compiled SDK.
        var w = Start(null);
        foreach (var scope in model.Catalog.Scopes)
        {
            w.WriteLine($"[assembly: global::KeycardSentry.ScopeImplies({string.Join(", ", new[] { scope.Name }.Concat(scope.Implies).Select(Naming.Literal))})]");
        }

        // No default grant in the catalog: leave the attribute out so the analyzer falls back to its documented default.
        if (model.Catalog.DefaultGrant.Count > 0)
        {
            w.WriteLine($"[assembly: global::KeycardSentry.KeycardDefaultGrant({string.Join(", ", new[] { model.Catalog.Resource }.Concat(model.Catalog.DefaultGrant).Select(Naming.Literal))})]");
        }
        return w.ToString();
    }

    private static string EmitOperations(ApiModel model)
    {
        var info = model.Prefix + "OperationInfo";
        var w = Start(model.Namespace);
        OpenType(w, $"One operation of the {model.Prefix} API and the generated method that calls it.", $"public sealed class {info}");
        EmitConstructorAndProperties(
            w,
            info,
            "Creates the description.",
            ("OperationId", "string", "The spec's operationId."),
            ("HttpMethod", "string", "The HTTP method, upper case."),
            ("Path", "string", "The path template, exactly as in the spec."),
            ("InterfaceType", "global::System.Type", "The generated Refit interface."),
            ("MethodName", "string", "The generated method."),
            ("Scopes", ReadOnlyList, "The scopes of which any one suffices (empty: none listed)."));
        w.CloseBlock();
        w.WriteLine();
        OpenType(w, $"Every generated operation of the {model.Prefix} API.", $"public static class {model.Prefix}Operations");
        w.Doc("summary", "All operations, in spec order per interface.");
        w.WriteLine($"public static global::System.Collections.Generic.IReadOnlyList<{info}> All {{ get; }} = new {info}[]");
        w.WriteLine("{");
        w.Indent();
        foreach (var api in model.Interfaces)
        {
            foreach (var op in api.Operations)
            {
                w.WriteLine($"new {info}({Naming.Literal(op.OperationId)}, {Naming.Literal(op.HttpMethod.ToUpperInvariant())}, {Naming.Literal(op.Path)}, typeof({api.Name}), {Naming.Literal(op.MethodName)}, {StringArray(op.Scopes)}),");
            }
        }

        w.Unindent();
        w.WriteLine("};");
        w.CloseBlock();
        w.CloseBlock();
        return w.ToString();
    }

    private static string EmitCatalog(ApiModel model)
    {
        var name = model.Prefix + "ApiScopeCatalog";
        var scopes = model.Prefix + "Scopes";
        var w = Start(model.Namespace);
        OpenType(w, $"The {model.Prefix} API's scope catalog and per-method scope table, for the runtime scope check.", $"public sealed class {name} : global::KeycardSentry.IApiScopeCatalog");
        w.WriteLine($"private static readonly global::System.Collections.Generic.Dictionary<(global::System.Type, string), {ReadOnlyList}> Methods = BuildMethods();");
        w.WriteLine();
        w.OpenBlock($"private {name}()").CloseBlock();
        w.WriteLine();
        w.Doc("summary", "The single instance.");
        w.WriteLine($"public static {name} Instance {{ get; }} = new {name}();");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc />");
        w.WriteLine($"public string Resource => {scopes}.Resource;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc />");
        w.WriteLine($"public {ReadOnlyList} DefaultGrant => {scopes}.DefaultGrant;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc />");
        w.WriteLine($"public global::System.Collections.Generic.IReadOnlyDictionary<string, {ReadOnlyList}> Implications => {scopes}.Implications;");
        w.WriteLine();
        w.WriteLine("/// <inheritdoc />");
        w.Doc("remarks", "A generated method whose operation lists no scopes is found, with an empty list.");
        w.OpenBlock($"public bool TryGetRequiredScopes(global::System.Type interfaceType, string methodName, out {ReadOnlyList} anyOf)");
        w.OpenBlock("if (interfaceType is not null && methodName is not null && Methods.TryGetValue((interfaceType, methodName), out var found))");
        w.WriteLine("anyOf = found;");
        w.WriteLine("return true;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("anyOf = global::System.Array.Empty<string>();");
        w.WriteLine("return false;");
        w.CloseBlock();
        w.WriteLine();
        w.OpenBlock($"private static global::System.Collections.Generic.Dictionary<(global::System.Type, string), {ReadOnlyList}> BuildMethods()");
        w.WriteLine($"var methods = new global::System.Collections.Generic.Dictionary<(global::System.Type, string), {ReadOnlyList}>();");
        w.OpenBlock($"foreach (var operation in {model.Prefix}Operations.All)");
        w.WriteLine("methods[(operation.InterfaceType, operation.MethodName)] = operation.Scopes;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("return methods;");
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
        return w.ToString();
    }
}
