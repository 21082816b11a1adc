namespace KeycardSentry.Benchmarks;

/// <summary>The throwaway console apps <see cref="BuildCost"/> builds.</summary>
internal enum Consumer
{
    /// <summary>No SDK: a hand-written <c>HttpClient</c> call.</summary>
    Plain,

    /// <summary>A PackageReference to KeycardSentry.Sentry (clients compiled in the package, the KSC analyzer in the build).</summary>
    Sdk,

    /// <summary>A PackageReference to KeycardSentry.Generator with the repository's Sentry spec: the whole client generated in the build.</summary>
    Generator,
}

internal static class Consumers
{
    public static string Write(string work, Consumer kind, string feed, string version, string repositoryRoot)
    {
        var name = kind.ToString().ToLowerInvariant();
        var dir = Directory.CreateDirectory(Path.Combine(work, name)).FullName;
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="keycardsentry-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var items = kind switch
        {
            Consumer.Sdk => $"""<ItemGroup><PackageReference Include="KeycardSentry.Sentry" Version="{version}" /></ItemGroup>""",
            Consumer.Generator => $"""
                <ItemGroup>
                    <PackageReference Include="KeycardSentry.Generator" Version="{version}" />
                    <PackageReference Include="KeycardSentry.Abstractions" Version="{version}" />
                    <PackageReference Include="Refit" Version="{PackageVersion(repositoryRoot, "Refit")}" />
                    <PackageReference Include="Refit.HttpClientFactory" Version="{PackageVersion(repositoryRoot, "Refit.HttpClientFactory")}" />
                    <KeycardApiSpec Include="sentry.openapi.json" Catalog="sentry.scopes.json" Namespace="GeneratorApp.Sentry" ClientPrefix="Sentry" />
                  </ItemGroup>
                """,
            _ => string.Empty,
        };
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              {items}
            </Project>
            """);
        if (kind == Consumer.Generator)
        {
            // The repository's own spec and catalog (specs/), the ones the SDK is generated from.
            File.Copy(Path.Combine(repositoryRoot, "specs", "sentry.openapi.json"), Path.Combine(dir, "sentry.openapi.json"));
            File.Copy(Path.Combine(repositoryRoot, "specs", "sentry.scopes.json"), Path.Combine(dir, "sentry.scopes.json"));
        }

        File.WriteAllText(Path.Combine(dir, "Program.cs"), kind switch
        {
            Consumer.Sdk => """
                using KeycardSentry;
                using KeycardSentry.Sentry;
                using Microsoft.Extensions.DependencyInjection;

                var services = new ServiceCollection();
                services.AddKeycard(o => { o.ZoneUrl = "https://zone.keycard.cloud"; o.ClientId = "app"; o.ClientSecret = "secret"; });
                services.AddSentryApi();
                using var provider = services.BuildServiceProvider();
                var organizations = provider.GetRequiredService<ISentryOrganizationsApi>();
                using (KeycardSubject.Use(args.Length > 0 ? args[0] : "token"))
                {
                    var org = await organizations.GetOrganizationAsync("acme");
                    var list = await organizations.ListOrganizationProjectsAsync("acme");
                    Console.WriteLine($"{org.Slug} {list.Content?.Count}");
                }
                """,
            Consumer.Generator => """
                using GeneratorApp.Sentry;
                using Microsoft.Extensions.DependencyInjection;

                var services = new ServiceCollection();
                services.AddSentryClients(b => b.ConfigureHttpClient(c => c.BaseAddress = new Uri("https://us.sentry.io/")));
                using var provider = services.BuildServiceProvider();
                var organizations = provider.GetRequiredService<ISentryOrganizationsApi>();
                var org = await organizations.GetOrganizationAsync("acme");
                var list = await organizations.ListOrganizationProjectsAsync("acme");
                Console.WriteLine($"{org.Slug} {list.Content?.Count}");
                """,
            _ => """
                using System.Net.Http.Headers;
                using System.Net.Http.Json;

                using var http = new HttpClient { BaseAddress = new Uri("https://us.sentry.io/") };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", args.Length > 0 ? args[0] : "token");
                var org = await http.GetFromJsonAsync<Organization>("api/0/organizations/acme/");
                var list = await http.GetFromJsonAsync<List<Project>>("api/0/organizations/acme/projects/");
                Console.WriteLine($"{org?.Slug} {list?.Count}");

                internal sealed record Organization(string? Id, string? Slug, string? Name);
                internal sealed record Project(string? Id, string? Slug, string? Name);
                """,
        });
        File.WriteAllText(Path.Combine(dir, "Edited.cs"), "internal static class Edited { public const int Round = -1; }\n");
        return dir;
    }

    public static void Touch(string consumer, int round) =>
        File.WriteAllText(Path.Combine(consumer, "Edited.cs"), $"internal static class Edited {{ public const int Round = {round}; }}\n");

    /// <summary>The version Directory.Packages.props pins for <paramref name="package"/>.</summary>
    private static string PackageVersion(string repositoryRoot, string package)
    {
        var props = System.Xml.Linq.XDocument.Load(Path.Combine(repositoryRoot, "Directory.Packages.props"));
        return props.Descendants("PackageVersion").FirstOrDefault(e => (string?)e.Attribute("Include") == package)?.Attribute("Version")?.Value
            ?? throw new InvalidOperationException($"Directory.Packages.props pins no version of {package}");
    }
}
