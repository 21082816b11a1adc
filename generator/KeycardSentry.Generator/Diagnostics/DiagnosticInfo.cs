using System.Linq;
using KeycardSentry.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KeycardSentry.Generator.Diagnostics;

/// <summary>
/// A value-equal description of a diagnostic: safe to hold in pipeline values (a <see cref="Location"/> is not).
/// The <see cref="Diagnostic"/> is created only when it is reported.
/// </summary>
internal sealed record DiagnosticInfo(
    string Id,
    EquatableArray<string> Arguments,
    string? FilePath,
    TextSpan Span,
    LinePositionSpan LineSpan)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SpecLocation? location, params string[] arguments) =>
        new(
            descriptor.Id,
            arguments.ToEquatableArray(),
            location?.FilePath,
            location?.Span ?? default,
            location?.LineSpan ?? default);

    public Diagnostic ToDiagnostic()
    {
        var descriptor = DiagnosticDescriptorsById.Get(Id);
        var location = FilePath is null ? Location.None : Location.Create(FilePath, Span, LineSpan);
        return Diagnostic.Create(descriptor, location, Arguments.Cast<object>().ToArray());
    }
}

/// <summary>A place in a spec or catalog file.</summary>
internal sealed record SpecLocation(string FilePath, TextSpan Span, LinePositionSpan LineSpan);

internal static class DiagnosticDescriptorsById
{
    public static DiagnosticDescriptor Get(string id) => id switch
    {
        "KSG001" => DiagnosticDescriptors.UnreadableSpec,
        "KSG002" => DiagnosticDescriptors.UnknownScope,
        "KSG003" => DiagnosticDescriptors.MalformedScope,
        "KSG004" => DiagnosticDescriptors.DuplicateOperationId,
        "KSG005" => DiagnosticDescriptors.UndeclaredPathParameter,
        "KSG006" => DiagnosticDescriptors.MappedToJsonElement,
        "KSG007" => DiagnosticDescriptors.MissingOperationId,
        "KSG008" => DiagnosticDescriptors.UnsupportedParameter,
        "KSG010" => DiagnosticDescriptors.PaginatedResponseNotAList,
        _ => DiagnosticDescriptors.GeneratorFailure,
    };
}
