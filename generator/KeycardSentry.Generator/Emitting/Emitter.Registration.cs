using KeycardSentry.Generator.Model;

namespace KeycardSentry.Generator.Emitting;

internal static partial class Emitter
{
    private static string EmitServiceCollectionExtensions(ApiModel model)
    {
        const string Services = "global::Microsoft.Extensions.DependencyInjection.IServiceCollection";
        const string Builder = "global::Microsoft.Extensions.DependencyInjection.IHttpClientBuilder";
        var w = Start(model.Namespace);
        OpenType(w, $"Registers the generated {model.Prefix} clients.", $"public static class {model.Prefix}ClientsServiceCollectionExtensions");
        w.Doc("summary", $"Registers every generated {model.Prefix} Refit interface with IHttpClientFactory (AddRefitGeneratedClient) and the scope catalog as <see cref=\"global::KeycardSentry.IApiScopeCatalog\"/> (TryAdd).", raw: true);
        w.Doc("param", "The services.", "name=\"services\"");
        w.Doc("param", "Applied to each client's builder: base address, handlers, resilience.", "name=\"configureEach\"");
        w.Doc("param", "Refit settings shared by the clients (Refit's defaults when null).", "name=\"settings\"");
        w.Doc("returns", "The services.");
        w.OpenBlock($"public static {Services} Add{model.Prefix}Clients(this {Services} services, global::System.Action<{Builder}>? configureEach = null, global::Refit.RefitSettings? settings = null)");
        w.ThrowIfNull("services");
        w.WriteLine();
        foreach (var api in model.Interfaces)
        {
            w.WriteLine($"Add<global::{model.Namespace}.{api.Name}>(services, configureEach, settings);");
        }

        w.WriteLine($"global::Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<global::KeycardSentry.IApiScopeCatalog>(services, global::{model.Namespace}.{model.Prefix}ApiScopeCatalog.Instance);");
        w.WriteLine("return services;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine($"private static void Add<T>({Services} services, global::System.Action<{Builder}>? configureEach, global::Refit.RefitSettings? settings)");
        w.Indent().WriteLine("where T : class").Unindent();
        w.WriteLine("{").Indent();
        w.WriteLine("var builder = settings is null");
        w.Indent();
        w.WriteLine("? global::Refit.HttpClientFactoryExtensions.AddRefitGeneratedClient<T>(services)");
        w.WriteLine(": global::Refit.HttpClientFactoryExtensions.AddRefitGeneratedClient<T>(services, settings);");
        w.Unindent();
        w.WriteLine("configureEach?.Invoke(builder);");
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
        return w.ToString();
    }

    private static string EmitLinkHeader(ApiModel model)
    {
        var link = model.Prefix + "Link";
        var w = Start(model.Namespace);
        OpenType(w, "One entry of a Link header: <c>&lt;url&gt;; rel=\"next\"; results=\"true\"; cursor=\"...\"</c>.", $"public sealed class {link}", raw: true);
        EmitConstructorAndProperties(
            w,
            link,
            "Creates the entry.",
            ("Url", "string", "The target URL (between angle brackets)."),
            ("Parameters", "global::System.Collections.Generic.IReadOnlyDictionary<string, string>", "The link parameters, names compared without case."));
        w.WriteLine();
        w.Doc("summary", "The rel parameter (e.g. next, previous).");
        w.WriteLine("public string? Rel => Parameters.TryGetValue(\"rel\", out var value) ? value : null;");
        w.WriteLine();
        w.Doc("summary", "False only when the link says results=\"false\" (no page behind it).");
        w.WriteLine("public bool HasResults => !(Parameters.TryGetValue(\"results\", out var value) && string.Equals(value.Trim(), \"false\", global::System.StringComparison.OrdinalIgnoreCase));");
        w.WriteLine();
        w.Doc("summary", "The cursor parameter, else the cursor query parameter of the URL.");
        w.OpenBlock("public string? Cursor");
        w.OpenBlock("get");
        w.OpenBlock("if (Parameters.TryGetValue(\"cursor\", out var value) && value.Length > 0)");
        w.WriteLine("return value;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("var query = Url.IndexOf('?');");
        w.OpenBlock("if (query >= 0)");
        w.OpenBlock("foreach (var pair in Url.Substring(query + 1).Split('&'))");
        w.OpenBlock("if (pair.StartsWith(\"cursor=\", global::System.StringComparison.Ordinal))");
        w.WriteLine("return global::System.Uri.UnescapeDataString(pair.Substring(7));");
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("return null;");
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();

        OpenType(w, "Reads the Link header of paginated responses (tolerant of spacing, quoting and parameter order).", $"public static class {model.Prefix}LinkHeader");
        w.Doc("summary", "The cursor of the rel=\"next\" link when it has results, else null.");
        w.OpenBlock("public static string? GetNextCursor(global::System.Net.Http.Headers.HttpHeaders? headers)");
        w.OpenBlock("if (headers is null || !headers.TryGetValues(\"Link\", out var values))");
        w.WriteLine("return null;");
        w.CloseBlock();
        w.WriteLine();
        w.OpenBlock("foreach (var value in values)");
        w.OpenBlock("foreach (var entry in Parse(value))");
        w.OpenBlock("if (entry.HasResults && IsRel(entry.Rel, \"next\"))");
        w.WriteLine("return entry.Cursor;");
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("return null;");
        w.CloseBlock();
        w.WriteLine();
        w.Doc("summary", "Parses a Link header value into its entries; malformed parts are skipped.");
        w.OpenBlock($"public static global::System.Collections.Generic.IReadOnlyList<{link}> Parse(string? header)");
        w.WriteLine($"var links = new global::System.Collections.Generic.List<{link}>();");
        w.WriteLine("var text = header ?? string.Empty;");
        w.WriteLine("var i = 0;");
        w.OpenBlock("while (i < text.Length)");
        w.WriteLine("var open = text.IndexOf('<', i);");
        w.WriteLine("var close = open < 0 ? -1 : text.IndexOf('>', open + 1);");
        w.OpenBlock("if (close < 0)");
        w.WriteLine("break;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("var url = text.Substring(open + 1, close - open - 1).Trim();");
        w.WriteLine("var parameters = new global::System.Collections.Generic.Dictionary<string, string>(global::System.StringComparer.OrdinalIgnoreCase);");
        w.WriteLine("i = close + 1;");
        w.OpenBlock("while (i < text.Length)");
        w.WriteLine("var c = text[i];");
        w.OpenBlock("if (c == ',')");
        w.WriteLine("i++;");
        w.WriteLine("break;");
        w.CloseBlock();
        w.WriteLine();
        w.OpenBlock("if (c != ';')");
        w.WriteLine("i++;");
        w.WriteLine("continue;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("var nameStart = ++i;");
        w.OpenBlock("while (i < text.Length && text[i] != '=' && text[i] != ';' && text[i] != ',')");
        w.WriteLine("i++;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("var name = text.Substring(nameStart, i - nameStart).Trim();");
        w.WriteLine("var value = string.Empty;");
        w.OpenBlock("if (i < text.Length && text[i] == '=')");
        w.WriteLine("i++;");
        w.OpenBlock("while (i < text.Length && char.IsWhiteSpace(text[i]))");
        w.WriteLine("i++;");
        w.CloseBlock();
        w.WriteLine();
        w.OpenBlock("if (i < text.Length && text[i] == '\"')");
        w.WriteLine("var end = text.IndexOf('\"', i + 1);");
        w.WriteLine("end = end < 0 ? text.Length : end;");
        w.WriteLine("value = text.Substring(i + 1, end - i - 1);");
        w.WriteLine("i = end < text.Length ? end + 1 : end;");
        w.CloseBlock();
        w.OpenBlock("else");
        w.WriteLine("var valueStart = i;");
        w.OpenBlock("while (i < text.Length && text[i] != ';' && text[i] != ',')");
        w.WriteLine("i++;");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("value = text.Substring(valueStart, i - valueStart).Trim();");
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();
        w.OpenBlock("if (name.Length > 0)");
        w.WriteLine("parameters[name] = value;");
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine($"links.Add(new {link}(url, parameters));");
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("return links;");
        w.CloseBlock();
        w.WriteLine();
        w.OpenBlock("private static bool IsRel(string? rel, string wanted)");
        w.OpenBlock("foreach (var part in (rel ?? string.Empty).Split(' '))");
        w.OpenBlock("if (string.Equals(part, wanted, global::System.StringComparison.OrdinalIgnoreCase))");
        w.WriteLine("return true;");
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("return false;");
        w.CloseBlock();
        w.CloseBlock();
        w.CloseBlock();
        return w.ToString();
    }
}
