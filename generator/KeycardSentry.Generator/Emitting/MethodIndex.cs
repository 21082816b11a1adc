using System;
using System.Collections.Generic;
using System.Linq;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;

namespace KeycardSentry.Generator.Emitting;

/// <summary>
/// Where each operation's generated members live: its interface, its method and its <c>Enumerate…Async</c> helper (if
/// any). Cross references (a deprecated operation's replacement, a method's pagination helper) are resolved here.
/// </summary>
internal sealed class MethodIndex
{
    private readonly Dictionary<string, (InterfaceSpec Api, OperationSpec Op)> _byOperationId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Api, string OperationId), string> _helpers = new();

    public MethodIndex(ApiModel model)
    {
        foreach (var api in model.Interfaces)
        {
            var taken = new HashSet<string>(StringComparer.Ordinal);
            foreach (var op in api.Operations)
            {
                _byOperationId[op.OperationId] = (api, op);
                if (op.PageItem is not null)
                {
                    _helpers[(api.Name, op.OperationId)] = HelperName(op, taken);
                }
            }
        }
    }

    /// <summary>The <c>Enumerate…Async</c> helper of a paginated list operation, or null.</summary>
    public string? Helper(InterfaceSpec api, OperationSpec op) =>
        _helpers.TryGetValue((api.Name, op.OperationId), out var name) ? name : null;

    /// <summary>"ISentryEventsApi.ListOrganizationIssuesAsync" for an operationId (its helper when <paramref name="helper"/>), or null.</summary>
    public string? Reference(string? operationId, bool helper)
    {
        if (operationId is null || !_byOperationId.TryGetValue(operationId, out var found))
        {
            return null;
        }

        var member = helper ? Helper(found.Api, found.Op) ?? found.Op.MethodName : found.Op.MethodName;
        return found.Api.Name + "." + member;
    }

    /// <summary>"ListAnOrganizationsWidgetsAsync" → "EnumerateOrganizationsWidgetsAsync": List and a leading article dropped.</summary>
    private static string HelperName(OperationSpec op, HashSet<string> taken)
    {
        var baseName = op.MethodName.Substring(0, op.MethodName.Length - "Async".Length);
        baseName = baseName.StartsWith("List", StringComparison.Ordinal) ? baseName.Substring("List".Length) : baseName;
        foreach (var article in new[] { "A", "An", "The" })
        {
            if (baseName.Length > article.Length && baseName.StartsWith(article, StringComparison.Ordinal) && char.IsUpper(baseName[article.Length]))
            {
                baseName = baseName.Substring(article.Length);
                break;
            }
        }

        return Naming.Unique("Enumerate" + (baseName.Length == 0 ? "All" : baseName), taken) + "Async";
    }
}
