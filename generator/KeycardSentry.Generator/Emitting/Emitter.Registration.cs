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
}
