using System.Linq;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;

namespace KeycardSentry.Generator.Emitting;

internal static partial class Emitter
{
    private static string EmitInterface(ApiModel model, InterfaceSpec api)
    {
        var w = Start(model.Namespace);
        OpenType(w, $"{model.Prefix} API operations tagged \"{api.Tag}\" (a Refit interface; register with Add{model.Prefix}Clients or create with RestService.ForGenerated).", $"public partial interface {api.Name}");
        var first = true;
        foreach (var op in api.Operations)
        {
            if (!first)
            {
                w.WriteLine();
            }

            first = false;
            w.Doc("summary", op.Summary);
            var remarks = $"{op.HttpMethod.ToUpperInvariant()} {op.Path} (operationId {op.OperationId}).\n" +
                (op.HasSecurity ? "Requires one of the scopes: " + string.Join(", ", op.Scopes) + "." : "The spec lists no scopes for this operation.") +
                (op.IsPaginated ? $"\nPaginated: the Link header of the response carries the next cursor (see {model.Prefix}LinkHeader)." : string.Empty) +
                (string.IsNullOrWhiteSpace(op.Description) || op.Description == op.Summary ? string.Empty : "\n\n" + op.Description);
            w.Doc("remarks", remarks);
            foreach (var parameter in op.Parameters)
            {
                w.Doc("param", parameter.Description ?? parameter.WireName, $"name=\"{parameter.CsName.TrimStart('@')}\"");
            }

            w.Doc("param", "Cancels the request.", "name=\"cancellationToken\"");
            w.WriteLine($"[global::Refit.{op.HttpMethod}({Naming.Literal(op.Path)})]");
            if (op.HasSecurity)
            {
                w.WriteLine($"[global::KeycardSentry.RequiresScopes({string.Join(", ", op.Scopes.Select(Naming.Literal))})]");
            }

            var returnType = op.ResponseType is null ? Task : $"{Task}<{op.ResponseType}>";
            var parameters = op.Parameters.Select(FormatParameter).Concat(new[] { $"{CancellationToken} cancellationToken = default" });
            w.WriteLine($"{returnType} {op.MethodName}({string.Join(", ", parameters)});");
        }

        w.CloseBlock();

        var paged = api.Operations.Where(o => o.IsPaginated && o.PageItemType is not null).ToList();
        if (paged.Count > 0)
        {
            w.WriteLine();
            var className = Strip(api.Name, "I") + "Pagination";
            OpenType(w, $"Enumerates every item of the paginated operations of <see cref=\"{api.Name}\"/>, following the Link header.", $"public static class {className}", raw: true);
            var names = new System.Collections.Generic.HashSet<string>(System.StringComparer.Ordinal);
            foreach (var op in paged)
            {
                if (names.Count > 0)
                {
                    w.WriteLine();
                }

                EmitEnumerate(w, model, api, op, names);
            }

            w.CloseBlock();
        }

        w.CloseBlock();
        return w.ToString();
    }

    private static string FormatParameter(ParameterSpec parameter)
    {
        var attributes = parameter.Kind switch
        {
            ParameterKind.Body or ParameterKind.MultipartBody => "[global::Refit.Body] ",
            ParameterKind.Query when parameter.IsArray => "[global::Refit.Query(global::Refit.CollectionFormat.Multi)] ",
            ParameterKind.Query => "[global::Refit.Query] ",
            _ => string.Empty,
        };
        if (parameter.Kind is ParameterKind.Path or ParameterKind.Query && parameter.CsName.TrimStart('@') != parameter.WireName)
        {
            attributes += $"[global::Refit.AliasAs({Naming.Literal(parameter.WireName)})] ";
        }

        return attributes + parameter.Type + " " + parameter.CsName + (parameter.Required ? string.Empty : " = null");
    }

    private static void EmitEnumerate(SourceWriter w, ApiModel model, InterfaceSpec api, OperationSpec op, System.Collections.Generic.HashSet<string> names)
    {
        var baseName = Strip(op.MethodName.Substring(0, op.MethodName.Length - "Async".Length), "List");
        foreach (var article in new[] { "A", "An", "The" })
        {
            if (baseName.Length > article.Length && baseName.StartsWith(article, System.StringComparison.Ordinal) && char.IsUpper(baseName[article.Length]))
            {
                baseName = baseName.Substring(article.Length);
                break;
            }
        }

        var name = Naming.Unique("Enumerate" + (baseName.Length == 0 ? "All" : baseName), names) + "Async";
        var cursor = op.Parameters.First(p => p.Kind == ParameterKind.Query && p.WireName == "cursor");
        var parameters = op.Parameters.Where(p => p != cursor).ToList();
        w.Doc("summary", $"Every item of <see cref=\"{api.Name}.{op.MethodName}\"/>, page after page: follows the Link header's rel=\"next\" cursor while it says results=\"true\".", raw: true);
        w.Doc("remarks", "Throws Refit's ApiException when a page is not successful. Cancelling the token (or WithCancellation) stops between and during pages.");
        w.Doc("param", "The client.", "name=\"api\"");
        foreach (var parameter in parameters)
        {
            w.Doc("param", parameter.Description ?? parameter.WireName, $"name=\"{parameter.CsName.TrimStart('@')}\"");
        }

        w.Doc("param", "Cancels the enumeration.", "name=\"cancellationToken\"");
        var signature = new[] { $"this {api.Name} api" }
            .Concat(parameters.Select(FormatPlainParameter))
            .Concat(new[] { $"[global::System.Runtime.CompilerServices.EnumeratorCancellation] {CancellationToken} cancellationToken = default" });
        if (op.HasSecurity)
        {
            w.WriteLine($"[global::KeycardSentry.RequiresScopes({string.Join(", ", op.Scopes.Select(Naming.Literal))})]");
        }

        w.OpenBlock($"public static async global::System.Collections.Generic.IAsyncEnumerable<{op.PageItemType}> {name}({string.Join(", ", signature)})");
        w.ThrowIfNull("api");
        w.WriteLine();
        w.WriteLine("string? cursor = null;");
        w.OpenBlock("while (true)");
        w.WriteLine("cancellationToken.ThrowIfCancellationRequested();");
        var arguments = parameters.Select(p => $"{p.CsName}: {p.CsName}")
            .Concat(new[] { $"{cursor.CsName}: cursor", "cancellationToken: cancellationToken" });
        w.WriteLine($"using var response = await api.{op.MethodName}({string.Join(", ", arguments)}).ConfigureAwait(false);");
        w.WriteLine("await response.EnsureSuccessStatusCodeAsync().ConfigureAwait(false);");
        w.OpenBlock("if (response.Content is { } items)");
        w.OpenBlock("foreach (var item in items)");
        w.WriteLine("cancellationToken.ThrowIfCancellationRequested();");
        w.WriteLine("yield return item;");
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine($"var next = global::{model.Namespace}.{model.Prefix}LinkHeader.GetNextCursor(response.Headers);");
        w.OpenBlock("if (next is null || next == cursor)");
        w.WriteLine("yield break;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("cursor = next;");
        w.CloseBlock();
        w.CloseBlock();
    }

    private static string FormatPlainParameter(ParameterSpec parameter) =>
        parameter.Type + " " + parameter.CsName + (parameter.Required ? string.Empty : " = null");
}
