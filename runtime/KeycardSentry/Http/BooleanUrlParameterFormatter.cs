using System.Reflection;
using Refit;

namespace KeycardSentry;

/// <summary>
/// Writes booleans into paths and query strings as OpenAPI and JSON spell them, <c>true</c> and <c>false</c>
/// (Refit's default writes .NET's <c>True</c>/<c>False</c>, which a schema of type boolean rejects); every other value
/// goes to the formatter the settings had.
/// </summary>
internal sealed class BooleanUrlParameterFormatter(IUrlParameterFormatter inner) : IUrlParameterFormatter
{
    public string? Format(object? value, ICustomAttributeProvider attributeProvider, Type type) =>
        value is bool flag ? (flag ? "true" : "false") : inner.Format(value, attributeProvider, type);
}
