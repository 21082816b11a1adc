using System;
using System.Collections.Generic;
using System.Text.Json;

namespace KeycardSentry.Generator.Parsing.Document;

/// <summary>
/// One schema of a <see cref="SpecDocument"/>. Members are read through a <c>$ref</c> (a reference reads as its
/// target); a reference that cannot be followed throws <see cref="InvalidOperationException"/>, which the mapper turns
/// into a diagnostic. A node can also be made from a list of members (the union of several arrays' items).
/// </summary>
internal sealed class SchemaNode
{
    private const string SchemaPrefix = "#/components/schemas/";

    private readonly SpecDocument? _document;
    private readonly JsonElement _element;
    private readonly IReadOnlyList<SchemaNode>? _syntheticAnyOf;
    private JsonElement? _target;

    public SchemaNode(SpecDocument document, JsonElement element)
    {
        _document = document;
        _element = element;
    }

    private SchemaNode(IReadOnlyList<SchemaNode> anyOf) => _syntheticAnyOf = anyOf;

    /// <summary>A schema that is any one of <paramref name="members"/>.</summary>
    public static SchemaNode AnyOfMembers(IReadOnlyList<SchemaNode> members) => new(members);

    /// <summary>X for <c>{"$ref": "#/components/schemas/X"}</c>; null otherwise.</summary>
    public string? ReferenceId =>
        _syntheticAnyOf is null && SpecDocument.Reference(_element) is { } reference && reference.StartsWith(SchemaPrefix, StringComparison.Ordinal)
            ? reference.Substring(SchemaPrefix.Length).Replace("~1", "/").Replace("~0", "~")
            : null;

    /// <summary>The types; <see cref="SchemaType.None"/> when the schema names none. <c>nullable: true</c> adds <see cref="SchemaType.Null"/>.</summary>
    public SchemaType Type
    {
        get
        {
            if (_syntheticAnyOf is not null)
            {
                return SchemaType.None;
            }

            var type = SpecDocument.Member(Target, "type") switch
            {
                { ValueKind: JsonValueKind.String } single => Parse(single.GetString()),
                { ValueKind: JsonValueKind.Array } list => ParseAll(list),
                _ => SchemaType.None,
            };
            return SpecDocument.True(Target, "nullable") ? type | SchemaType.Null : type;
        }
    }

    public string? Format => Text("format");

    public string? Description => Text("description");

    public IReadOnlyList<KeyValuePair<string, SchemaNode>> Properties
    {
        get
        {
            var properties = new List<KeyValuePair<string, SchemaNode>>();
            if (_syntheticAnyOf is null && SpecDocument.Member(Target, "properties") is { ValueKind: JsonValueKind.Object } members)
            {
                foreach (var property in members.EnumerateObject())
                {
                    properties.Add(new KeyValuePair<string, SchemaNode>(property.Name, new SchemaNode(_document!, property.Value)));
                }
            }

            return properties;
        }
    }

    public HashSet<string> Required
    {
        get
        {
            var required = new HashSet<string>(StringComparer.Ordinal);
            if (_syntheticAnyOf is null && SpecDocument.Member(Target, "required") is { ValueKind: JsonValueKind.Array } names)
            {
                foreach (var name in names.EnumerateArray())
                {
                    if (name.ValueKind == JsonValueKind.String)
                    {
                        required.Add(name.GetString()!);
                    }
                }
            }

            return required;
        }
    }

    public SchemaNode? Items => Child("items");

    /// <summary>The value schema of <c>additionalProperties</c> when it is a schema (not a boolean).</summary>
    public SchemaNode? AdditionalProperties => Child("additionalProperties");

    /// <summary>False only for <c>additionalProperties: false</c>.</summary>
    public bool AdditionalPropertiesAllowed => _syntheticAnyOf is not null || SpecDocument.Member(Target, "additionalProperties")?.ValueKind != JsonValueKind.False;

    public IReadOnlyList<SchemaNode>? AllOf => Members("allOf");

    public IReadOnlyList<SchemaNode>? AnyOf => _syntheticAnyOf ?? Members("anyOf");

    public IReadOnlyList<SchemaNode>? OneOf => Members("oneOf");

    private JsonElement? Target
    {
        get
        {
            if (_syntheticAnyOf is not null)
            {
                return null;
            }

            _target ??= _document!.Resolve(_element) ?? throw new InvalidOperationException($"The reference '{SpecDocument.Reference(_element)}' cannot be followed.");
            return _target;
        }
    }

    private string? Text(string name) => _syntheticAnyOf is null ? SpecDocument.String(Target, name) : null;

    private SchemaNode? Child(string name) =>
        _syntheticAnyOf is null && SpecDocument.Member(Target, name) is { ValueKind: JsonValueKind.Object } child ? new SchemaNode(_document!, child) : null;

    private IReadOnlyList<SchemaNode>? Members(string name)
    {
        if (_syntheticAnyOf is not null || SpecDocument.Member(Target, name) is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0)
        {
            return null;
        }

        var members = new List<SchemaNode>();
        foreach (var member in array.EnumerateArray())
        {
            members.Add(new SchemaNode(_document!, member));
        }

        return members;
    }

    private static SchemaType ParseAll(JsonElement list)
    {
        var type = SchemaType.None;
        foreach (var item in list.EnumerateArray())
        {
            type |= item.ValueKind == JsonValueKind.String ? Parse(item.GetString()) : SchemaType.None;
        }

        return type;
    }

    private static SchemaType Parse(string? name) => name switch
    {
        "string" => SchemaType.String,
        "number" => SchemaType.Number,
        "integer" => SchemaType.Integer,
        "boolean" => SchemaType.Boolean,
        "object" => SchemaType.Object,
        "array" => SchemaType.Array,
        "null" => SchemaType.Null,
        _ => SchemaType.None,
    };
}
