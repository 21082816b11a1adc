using System;
using System.Collections.Generic;
using System.Linq;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;

namespace KeycardSentry.Generator.Emitting;

internal static partial class Emitter
{
    /// <summary>
    /// <c>{Interface without I}Pagination</c>: an <c>Enumerate…Async</c> extension per paginated list operation. Each is a
    /// thin call into <c>KeycardSentry.LinkPagination</c>, which follows the Link header and keeps the subject.
    /// </summary>
    private static void EmitPagination(SourceWriter w, ApiModel model, InterfaceSpec api, MethodIndex methods)
    {
        var paged = api.Operations.Where(o => o.PageItem is not null).ToList();
        if (paged.Count == 0)
        {
            return;
        }

        w.WriteLine();
        OpenType(w, $"Enumerates every item of the paginated operations of <see cref=\"{api.Name}\"/>, following the Link header.", $"public static class {Strip(api.Name, "I")}Pagination", raw: true);
        var first = true;
        foreach (var op in paged)
        {
            if (!first)
            {
                w.WriteLine();
            }

            first = false;
            EmitEnumerate(w, model, api, op, methods);
        }

        w.CloseBlock();
    }

    private static void EmitEnumerate(SourceWriter w, ApiModel model, InterfaceSpec api, OperationSpec op, MethodIndex methods)
    {
        var item = TypeSyntax.Of(op.PageItem!, model.ModelsNamespace);
        var cursor = op.Parameters.First(p => p.Kind == ParameterKind.Query && p.WireName == "cursor");
        var parameters = op.Parameters.Where(p => p != cursor).ToList();
        var taken = new HashSet<string>(parameters.Select(p => p.CsName), StringComparer.Ordinal) { "api", "cancellationToken" };
        var pageCursor = Naming.Unique("pageCursor", taken);
        var pageToken = Naming.Unique("pageCancellation", taken);
        var response = Naming.Unique("response", taken);

        w.Doc("summary", $"Every item of <see cref=\"{api.Name}.{op.MethodName}\"/>, page after page: follows the Link header's rel=\"next\" cursor while it says results=\"true\".", raw: true);
        w.Doc("remarks", "Every page is fetched for the subject (KeycardSubject.Current) that was current when the enumeration started. " +
            "Throws Refit's ApiException when a page is not successful. Cancelling the token (or WithCancellation) stops between and during pages.");
        w.Doc("param", "The client.", "name=\"api\"");
        foreach (var parameter in parameters)
        {
            w.Doc("param", parameter.Description ?? DefaultParameterDoc(parameter), $"name=\"{parameter.CsName.TrimStart('@')}\"");
        }

        w.Doc("param", "Cancels the enumeration.", "name=\"cancellationToken\"");
        if (op.HasSecurity)
        {
            w.WriteLine(RequiresScopes(op));
        }

        EmitObsolete(w, model, op, methods, helper: true);
        var signature = new[] { $"this {api.Name} api" }
            .Concat(parameters.Select(p => FormatPlainParameter(p, model.ModelsNamespace)))
            .Concat(new[] { $"{CancellationToken} cancellationToken = default" });
        var arguments = parameters.Select(p => $"{p.CsName}: {p.CsName}")
            .Concat(new[] { $"{cursor.CsName}: {pageCursor}", $"cancellationToken: {pageToken}" });

        w.OpenBlock($"public static global::System.Collections.Generic.IAsyncEnumerable<{item}> {methods.Helper(api, op)}({string.Join(", ", signature)})");
        w.ThrowIfNull("api");
        w.WriteLine();
        w.WriteLine($"return global::KeycardSentry.LinkPagination.EnumerateAsync<{item}>(");
        w.Indent();
        w.WriteLine($"async ({pageCursor}, {pageToken}) =>");
        w.WriteLine("{").Indent();
        w.WriteLine($"using var {response} = await api.{op.MethodName}({string.Join(", ", arguments)}).ConfigureAwait(false);");
        w.WriteLine($"await {response}.EnsureSuccessStatusCodeAsync().ConfigureAwait(false);");
        w.WriteLine($"return new global::KeycardSentry.LinkPage<{item}>({response}.Content, {response}.Headers);");
        w.Unindent().WriteLine("},");
        w.WriteLine("cancellationToken);");
        w.Unindent();
        w.CloseBlock();
    }
}
