using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing.Document;

namespace KeycardSentry.Generator.Parsing;

/// <summary>
/// Spec and catalog text in, value-equal <see cref="ApiModel"/> and diagnostics out. Never throws. Reads the catalog,
/// then the document; names the component schemas; then reads each operation (<see cref="OperationReader"/>) into
/// its tag's interface (<see cref="InterfaceGroups"/>).
/// </summary>
internal static class SpecParser
{
    private static readonly (string Method, string Refit)[] Methods =
    {
        ("get", "Get"), ("post", "Post"), ("put", "Put"), ("patch", "Patch"), ("delete", "Delete"), ("head", "Head"), ("options", "Options"),
    };

    public static ParseResult Parse(SpecWithCatalog input, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        try
        {
            var model = ParseCore(input, diagnostics, cancellationToken);
            return new ParseResult(model, diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A generator must never take the build down: report and generate nothing for this spec.
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.GeneratorFailure.Id, new[] { input.Spec.Path, ex.GetType().Name + ": " + ex.Message }.ToEquatableArray(), null, default, default));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }
    }

    private static ApiModel? ParseCore(SpecWithCatalog input, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var spec = input.Spec;
        if (spec.Text is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, null, $"OpenAPI document '{spec.Path}' could not be read"));
            return null;
        }

        var locator = new SpecLocator(spec.Path, spec.Text);
        var catalog = ReadCatalog(input, locator, diagnostics);
        if (catalog is null)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var document = SpecDocument.Parse(spec.Text, out var error, out var errorIndex);
        if (document is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.At(errorIndex, 0), $"OpenAPI document '{spec.Path}' could not be parsed: {error}"));
            return null;
        }

        if (SpecDocument.Member(document.Root, "paths") is not { ValueKind: System.Text.Json.JsonValueKind.Object })
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.File, $"OpenAPI document '{spec.Path}' has no 'paths' object"));
            return null;
        }

        // Component names are reserved before anything else is mapped: a $ref to X, or an inline copy of X, is X.
        var mapper = new SchemaMapper(diagnostics, locator);
        mapper.AddComponents(document.ComponentSchemas());
        mapper.MapComponents();

        var groups = new InterfaceGroups(spec.ClientPrefix);
        var reader = new OperationReader(document, catalog, mapper, locator, diagnostics);
        foreach (var pathEntry in document.Paths())
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var (method, refitMethod) in Methods)
            {
                if (document.Resolve(SpecDocument.Member(pathEntry.Value, method) ?? default) is { ValueKind: System.Text.Json.JsonValueKind.Object } operation)
                {
                    reader.Read(pathEntry.Key, pathEntry.Value, method, refitMethod, operation, groups);
                }
            }
        }

        return new ApiModel(spec.Path, spec.Namespace, spec.ClientPrefix, catalog, groups.ToInterfaces(), mapper.Models.ToEquatableArray());
    }

    private static ScopeCatalogSpec? ReadCatalog(SpecWithCatalog input, SpecLocator locator, List<DiagnosticInfo> diagnostics)
    {
        var spec = input.Spec;
        if (spec.CatalogPath is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.File, $"OpenAPI document '{spec.Path}' names no scope catalog (set the Catalog metadata of its KeycardApiSpec item)"));
            return null;
        }

        if (input.Catalog?.Text is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableSpec, locator.File, $"Scope catalog '{spec.CatalogPath}' of '{spec.Path}' is not an AdditionalFiles item or could not be read"));
            return null;
        }

        return CatalogParser.Parse(input.Catalog.Path, input.Catalog.Text, diagnostics);
    }
}
