using System.Reflection;
using Refit;

namespace KeycardSentry;

/// <summary>
/// Writes booleans into paths and query strings as OpenAPI and JSON spell them, <c>true</c> and <c>false</c>
/// (Refit's default writes .NET's <c>True</c>/<c>False</c>, which a schema of type boolean rejects); every other value
/// goes to the formatter the settings had. A string goes out as it is when that formatter is Refit's own
/// <see cref="DefaultUrlParameterFormatter"/> (which writes a string verbatim whatever formats it holds), without its
/// attribute and format lookups: with a formatter of ours in the settings, Refit's generated code formats every path
/// and query value through it.
/// </summary>
internal sealed class BooleanUrlParameterFormatter(IUrlParameterFormatter inner) : IUrlParameterFormatter
{
    private readonly bool _innerWritesStringsVerbatim = inner.GetType() == typeof(DefaultUrlParameterFormatter);

    public string? Format(object? value, ICustomAttributeProvider attributeProvider, Type type) => value switch
    {
        bool flag => flag ? "true" : "false",
        string text when _innerWritesStringsVerbatim => text,
        _ => inner.Format(value, attributeProvider, type),
    };
}
