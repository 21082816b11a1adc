using System.Collections.Generic;
using System.Linq;
using System.Text;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;

namespace KeycardSentry.Generator.Emitting;

internal static partial class Emitter
{
    private static string EmitInterface(ApiModel model, InterfaceSpec api, MethodIndex methods)
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
            w.Doc("summary", op.Summary ?? Sentence(op.OperationId));
            w.Doc("remarks", Remarks(model, op, methods.Helper(api, op)), raw: true);
            foreach (var parameter in op.Parameters)
            {
                w.Doc("param", parameter.Description ?? DefaultParameterDoc(parameter), $"name=\"{parameter.CsName.TrimStart('@')}\"");
            }

            w.Doc("param", "Cancels the request.", "name=\"cancellationToken\"");
            w.WriteLine($"[global::Refit.{op.HttpMethod}({Naming.Literal(op.Path)})]");
            if (op.HasSecurity)
            {
                w.WriteLine(RequiresScopes(op));
            }

            EmitObsolete(w, model, op, methods, helper: false);
            var response = op.Response is null ? null : TypeSyntax.Of(op.Response, model.ModelsNamespace);
            var returnType = response is null ? Task : op.IsPaginated ? $"{Task}<global::Refit.ApiResponse<{response}>>" : $"{Task}<{response}>";
            var parameters = op.Parameters.Select(p => FormatParameter(p, model.ModelsNamespace)).Concat(new[] { $"{CancellationToken} cancellationToken = default" });
            w.WriteLine($"{returnType} {op.MethodName}({string.Join(", ", parameters)});");
        }

        w.CloseBlock();
        EmitPagination(w, model, api, methods);
        w.CloseBlock();
        return w.ToString();
    }

    /// <summary>What the spec says about the operation, as facts: method and path, scopes, pagination, deprecation, reference.</summary>
    private static string Remarks(ApiModel model, OperationSpec op, string? helper)
    {
        var remarks = new StringBuilder();
        remarks.Append($"<c>{op.HttpMethod.ToUpperInvariant()} {SourceWriter.Escape(op.Path)}</c> (operationId <c>{SourceWriter.Escape(op.OperationId)}</c>).");
        remarks.Append('\n').Append(op.HasSecurity
            ? "Requires one of the scopes " + string.Join(", ", op.Scopes.Select(s => $"<c>{SourceWriter.Escape(s)}</c>")) + " (any one suffices, after the catalog's implications)."
            : "The spec lists no scopes for this operation.");
        if (op.IsPaginated)
        {
            remarks.Append('\n').Append("Paginated: the response's <c>Link</c> header carries the next cursor (<see cref=\"global::KeycardSentry.LinkHeader\"/>)")
                .Append(helper is null ? "." : $"; <c>{helper}</c> walks every page.");
        }

        if (op.Deprecation is not null)
        {
            remarks.Append('\n').Append($"Deprecated by {SourceWriter.Escape(model.Prefix)}.");
        }

        if (op.DocumentationUrl is { } url)
        {
            remarks.Append('\n').Append($"API reference: <see href=\"{SourceWriter.Escape(url)}\"/>");
        }

        if (op.Description is { } description && description != op.Summary)
        {
            remarks.Append("\n\n").Append(SourceWriter.Escape(description.Trim()));
        }

        return remarks.ToString();
    }

    /// <summary><c>[Obsolete]</c> for an operation the spec marks deprecated, naming its replacement when the spec does.</summary>
    private static void EmitObsolete(SourceWriter w, ApiModel model, OperationSpec op, MethodIndex methods, bool helper)
    {
        if (op.Deprecation is null)
        {
            return;
        }

        var replacement = methods.Reference(op.Deprecation.ReplacedBy, helper);
        var message = $"{model.Prefix} marks this operation deprecated" + (replacement is null ? "." : $"; use {replacement} instead.");
        w.WriteLine($"[global::System.Obsolete({Naming.Literal(message)})]");
    }

    private static string FormatParameter(ParameterSpec parameter, string modelsNamespace)
    {
        var attributes = parameter.Kind switch
        {
            ParameterKind.Body or ParameterKind.MultipartBody => "[global::Refit.Body] ",
            ParameterKind.Query when parameter.Type.Kind == TypeKind.Sequence => "[global::Refit.Query(global::Refit.CollectionFormat.Multi)] ",
            ParameterKind.Query => "[global::Refit.Query] ",
            _ => string.Empty,
        };
        if (parameter.Kind is ParameterKind.Path or ParameterKind.Query && parameter.CsName.TrimStart('@') != parameter.WireName)
        {
            attributes += $"[global::Refit.AliasAs({Naming.Literal(parameter.WireName)})] ";
        }

        return attributes + FormatPlainParameter(parameter, modelsNamespace);
    }

    private static string FormatPlainParameter(ParameterSpec parameter, string modelsNamespace) =>
        parameter.Required
            ? TypeSyntax.Of(parameter.Type, modelsNamespace) + " " + parameter.CsName
            : TypeSyntax.Of(parameter.Type.AsNullable(), modelsNamespace) + " " + parameter.CsName + " = null";

    private static string DefaultParameterDoc(ParameterSpec parameter) => parameter.Kind switch
    {
        ParameterKind.Path => $"The {parameter.WireName} path parameter.",
        ParameterKind.Query => $"The {parameter.WireName} query parameter.",
        _ => "The request body.",
    };

    /// <summary>"listOrganizationScimV2Groups" → "List organization scim v2 groups."; acronyms (all capitals) stay.</summary>
    private static string Sentence(string operationId)
    {
        var text = new System.Text.StringBuilder();
        foreach (var word in SentenceWords(Naming.Pascal(operationId)))
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(text.Length == 0 || (word.Length > 1 && word.All(char.IsUpper)) ? word : word.ToLowerInvariant());
        }

        return text.Append('.').ToString();
    }

    /// <summary>
    /// The words of a PascalCase name, as the pattern <c>[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+</c> finds
    /// them: a run of capitals (less its last letter when a lower-case letter follows) with its digits, a word with at
    /// most one leading capital and its digits, or digits. Other characters separate words.
    /// </summary>
    private static IEnumerable<string> SentenceWords(string name)
    {
        var i = 0;
        while (i < name.Length)
        {
            var start = i;
            var capitals = 0;
            while (i < name.Length && name[i] is >= 'A' and <= 'Z')
            {
                i++;
                capitals++;
            }

            var lowerFollows = i < name.Length && name[i] is >= 'a' and <= 'z';
            if (capitals > 1 && lowerFollows)
            {
                // The last capital starts the next word.
                yield return name.Substring(start, capitals - 1);
                i--;
                continue;
            }

            if (capitals > 0 && !lowerFollows)
            {
                i = Digits(name, i);
                yield return name.Substring(start, i - start);
                continue;
            }

            if (lowerFollows)
            {
                while (i < name.Length && name[i] is >= 'a' and <= 'z')
                {
                    i++;
                }

                i = Digits(name, i);
                yield return name.Substring(start, i - start);
                continue;
            }

            if (name[i] is >= '0' and <= '9')
            {
                i = Digits(name, i);
                yield return name.Substring(start, i - start);
                continue;
            }

            i++;
        }
    }

    private static int Digits(string text, int i)
    {
        while (i < text.Length && text[i] is >= '0' and <= '9')
        {
            i++;
        }

        return i;
    }
}
