using System;
using System.Collections.Generic;
using System.Text.Json;

namespace KeycardSentry.Generator.Parsing.Document;

/// <summary>
/// One schema of a <see cref="SpecDocument"/>. Members are read through a <c>$ref</c> (a reference reads as its
/// target); a reference that cannot be followed throws <see cref="InvalidOperationException"/>, which the mapper turns
/// into a diagnostic. A node can also be made from a list of members (the union of several arrays' items).
/// </summary>
/// <remarks>
/// The mapper asks the same node the same questions many times (twice per component: once for its structure, once for
/// its class), so the target's members are read in one pass over the object, on first use, and kept: a duplicated key
/// reads as its last occurrence, as <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> does.
/// </remarks>
internal sealed class SchemaNode
{
    private const string SchemaPrefix = "#/components/schemas/";

    private readonly SpecDocument? _document;
    private readonly JsonElement _element;
    private readonly IReadOnlyList<SchemaNode>? _syntheticAnyOf;
    private Members? _members;
    private string? _referenceId;
    private bool _referenceRead;

    public SchemaNode(SpecDocument document, JsonElement element)
    {
        _document = document;
        _element = element;
    }

    private SchemaNode(IReadOnlyList<SchemaNode> anyOf) => _syntheticAnyOf = anyOf;

    /// <summary>A schema that is any one of <paramref name="members"/>.</summary>
    public static SchemaNode AnyOfMembers(IReadOnlyList<SchemaNode> members) => new(members);

    /// <summary>X for <c>{"$ref": "#/components/schemas/X"}</c>; null otherwise.</summary>
    public string? ReferenceId
    {
        get
        {
            if (!_referenceRead)
            {
                _referenceId = _syntheticAnyOf is null && SpecDocument.Reference(_element) is { } reference && reference.StartsWith(SchemaPrefix, StringComparison.Ordinal)
                    ? reference.Substring(SchemaPrefix.Length).Replace("~1", "/").Replace("~0", "~")
                    : null;
                _referenceRead = true;
            }

            return _referenceId;
        }
    }

    /// <summary>The types; <see cref="SchemaType.None"/> when the schema names none. <c>nullable: true</c> adds <see cref="SchemaType.Null"/>.</summary>
    public SchemaType Type => _syntheticAnyOf is null ? Read().Type : SchemaType.None;

    public string? Format => _syntheticAnyOf is null ? Read().Format : null;

    public string? Description => _syntheticAnyOf is null ? Read().Description : null;

    public IReadOnlyList<KeyValuePair<string, SchemaNode>> Properties => _syntheticAnyOf is null ? Read().Properties : Array.Empty<KeyValuePair<string, SchemaNode>>();

    /// <summary>The names the schema requires (a fresh set: callers may change it).</summary>
    public HashSet<string> Required => _syntheticAnyOf is null ? new HashSet<string>(Read().Required, StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);

    public SchemaNode? Items => _syntheticAnyOf is null ? Read().Items : null;

    /// <summary>The value schema of <c>additionalProperties</c> when it is a schema (not a boolean).</summary>
    public SchemaNode? AdditionalProperties => _syntheticAnyOf is null ? Read().AdditionalProperties : null;

    /// <summary>False only for <c>additionalProperties: false</c>.</summary>
    public bool AdditionalPropertiesAllowed => _syntheticAnyOf is not null || !Read().AdditionalPropertiesFalse;

    public IReadOnlyList<SchemaNode>? AllOf => _syntheticAnyOf is null ? Read().AllOf : null;

    public IReadOnlyList<SchemaNode>? AnyOf => _syntheticAnyOf ?? Read().AnyOf;

    public IReadOnlyList<SchemaNode>? OneOf => _syntheticAnyOf is null ? Read().OneOf : null;

    /// <summary>The target's members, read once; throws (again on every call) while the reference cannot be followed.</summary>
    private Members Read()
    {
        if (_members is null)
        {
            var target = _document!.Resolve(_element) ?? throw new InvalidOperationException($"The reference '{SpecDocument.Reference(_element)}' cannot be followed.");
            _members = new Members(_document, target);
        }

        return _members;
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

    /// <summary>What the mapper reads of one schema object, in one pass over its members.</summary>
    private sealed class Members
    {
        private static readonly List<string> NoNames = new();
        private static readonly List<KeyValuePair<string, SchemaNode>> NoProperties = new();

        public Members(SpecDocument document, JsonElement target)
        {
            if (target.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            JsonElement? type = null;
            var nullable = false;
            foreach (var member in target.EnumerateObject())
            {
                var value = member.Value;
                switch (member.Name)
                {
                    case "type":
                        type = value;
                        break;
                    case "nullable":
                        nullable = value.ValueKind == JsonValueKind.True;
                        break;
                    case "format":
                        Format = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                        break;
                    case "description":
                        Description = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                        break;
                    case "properties":
                        Properties = PropertiesOf(document, value);
                        break;
                    case "required":
                        Required = NamesOf(value);
                        break;
                    case "items":
                        Items = value.ValueKind == JsonValueKind.Object ? new SchemaNode(document, value) : null;
                        break;
                    case "additionalProperties":
                        AdditionalProperties = value.ValueKind == JsonValueKind.Object ? new SchemaNode(document, value) : null;
                        AdditionalPropertiesFalse = value.ValueKind == JsonValueKind.False;
                        break;
                    case "allOf":
                        AllOf = ListOf(document, value);
                        break;
                    case "anyOf":
                        AnyOf = ListOf(document, value);
                        break;
                    case "oneOf":
                        OneOf = ListOf(document, value);
                        break;
                }
            }

            var parsed = type switch
            {
                { ValueKind: JsonValueKind.String } single => Parse(single.GetString()),
                { ValueKind: JsonValueKind.Array } list => ParseAll(list),
                _ => SchemaType.None,
            };
            Type = nullable ? parsed | SchemaType.Null : parsed;
        }

        public SchemaType Type { get; }

        public string? Format { get; }

        public string? Description { get; }

        public List<KeyValuePair<string, SchemaNode>> Properties { get; } = NoProperties;

        public List<string> Required { get; } = NoNames;

        public SchemaNode? Items { get; }

        public SchemaNode? AdditionalProperties { get; }

        public bool AdditionalPropertiesFalse { get; }

        public List<SchemaNode>? AllOf { get; }

        public List<SchemaNode>? AnyOf { get; }

        public List<SchemaNode>? OneOf { get; }

        private static List<KeyValuePair<string, SchemaNode>> PropertiesOf(SpecDocument document, JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                return NoProperties;
            }

            var properties = new List<KeyValuePair<string, SchemaNode>>();
            foreach (var property in value.EnumerateObject())
            {
                properties.Add(new KeyValuePair<string, SchemaNode>(property.Name, new SchemaNode(document, property.Value)));
            }

            return properties;
        }

        private static List<string> NamesOf(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                return NoNames;
            }

            var names = new List<string>();
            foreach (var name in value.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String)
                {
                    names.Add(name.GetString()!);
                }
            }

            return names;
        }

        private static List<SchemaNode>? ListOf(SpecDocument document, JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            {
                return null;
            }

            var members = new List<SchemaNode>();
            foreach (var member in value.EnumerateArray())
            {
                members.Add(new SchemaNode(document, member));
            }

            return members;
        }
    }
}
