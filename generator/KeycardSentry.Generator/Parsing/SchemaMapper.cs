using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using Microsoft.OpenApi;

namespace KeycardSentry.Generator.Parsing;

/// <summary>A mapped C# type: its syntax (without nullable annotation) and whether it is a value type.</summary>
internal readonly record struct TypeRef(string Syntax, bool IsValueType)
{
    public string Nullable => Syntax + "?";

    public static readonly TypeRef JsonElement = new("global::System.Text.Json.JsonElement", true);
}

/// <summary>
/// Maps OpenAPI schemas to C# types and collects the model classes they need.
/// </summary>
/// <remarks>
/// Naming rules, in order of precedence:
/// <list type="number">
/// <item>Every component schema (<c>components/schemas/X</c>) owns the class name X. Names are reserved before
/// anything else is mapped, so no derived name can take them.</item>
/// <item>A <c>$ref</c> to X (also the nullable wrapper <c>{"nullable":true,"allOf":[{"$ref":X}]}</c>) is always
/// X's type, wherever it is met.</item>
/// <item>An inline object whose structure equals a component's is that component's class. Sentry's published
/// document is fully inlined, so this is how its copies find their names.</item>
/// <item>Other inline objects are folded by structure and named after the first place they are met.</item>
/// </list>
/// Two components of the same structure keep separate classes; an inline copy goes to the first one in document
/// order. Structures are compared with references expanded, so an inline copy and a <c>$ref</c> compare equal.
/// </remarks>
internal sealed class SchemaMapper
{
    private const string List = "global::System.Collections.Generic.List<";
    private const string Dictionary = "global::System.Collections.Generic.Dictionary<string, ";

    // A tree without references cannot recurse; this guards unknown reference cycles (a stack overflow cannot be caught).
    private const int MaxDepth = 64;

    private readonly string _modelsNamespace;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly SpecLocator? _locator;
    private readonly HashSet<string> _takenNames = new(StringComparer.Ordinal);
    private readonly List<ModelClassSpec> _models = new();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Component> _components = new(StringComparer.Ordinal);
    private readonly List<Component> _componentOrder = new();
    private readonly Dictionary<string, Component> _componentByShape = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _classByShape = new(StringComparer.Ordinal);

    // While true, Map only computes structures: no classes, no diagnostics.
    private bool _shapeOnly;
    private int _depth;

    public SchemaMapper(string modelsNamespace, List<DiagnosticInfo> diagnostics, SpecLocator? locator = null)
    {
        _locator = locator;
        _modelsNamespace = modelsNamespace;
        _diagnostics = diagnostics;
    }

    public IReadOnlyList<ModelClassSpec> Models => _models;

    /// <summary>Where in the spec text the schema being mapped starts (property keys are searched from here for KSG006).</summary>
    public int SearchFrom { get; set; }

    /// <summary>
    /// Reserves every component schema's name and learns its structure. Call once, before any <see cref="Map"/>.
    /// </summary>
    public void AddComponents(IEnumerable<KeyValuePair<string, IOpenApiSchema>> schemas)
    {
        var schemasIndex = _locator?.FindKey("schemas", _locator.FindKey("components", 0)) ?? -1;
        foreach (var entry in schemas)
        {
            if (entry.Key is null || _components.ContainsKey(entry.Key))
            {
                continue;
            }

            var index = _locator?.FindKey(entry.Key, schemasIndex) ?? -1;
            var component = new Component(entry.Key, entry.Value, Naming.Unique(Naming.Pascal(entry.Key), _takenNames), Math.Max(0, index), _locator?.StringAt(index, entry.Key));
            _components.Add(entry.Key, component);
            _componentOrder.Add(component);
        }

        _shapeOnly = true;
        try
        {
            foreach (var component in _componentOrder)
            {
                var shape = ComponentShape(component);
                if (component.IsClass && !_componentByShape.ContainsKey(shape.Shape))
                {
                    _componentByShape.Add(shape.Shape, component);
                }
            }
        }
        finally
        {
            _shapeOnly = false;
        }
    }

    /// <summary>Maps every component schema in document order, so each gets its class even when nothing uses it.</summary>
    public void MapComponents()
    {
        foreach (var component in _componentOrder)
        {
            MapComponent(component);
        }
    }

    /// <param name="schema">The schema (null: untyped).</param>
    /// <param name="nameHint">Class name to use when the schema needs a new class.</param>
    /// <param name="where">Human description for KSG006 ("property 'x' of Foo").</param>
    /// <param name="location">Where KSG006 points.</param>
    /// <param name="propertyKey">The JSON property whose schema this is, to point KSG006 at it.</param>
    public TypeRef Map(IOpenApiSchema? schema, string nameHint, string where, SpecLocation? location, string? propertyKey = null) =>
        MapCore(schema, nameHint, where, location, propertyKey, owner: null).Type;

    private Mapped MapCore(IOpenApiSchema? schema, string nameHint, string where, SpecLocation? location, string? propertyKey, Component? owner)
    {
        if (_depth >= MaxDepth)
        {
            return Element(where, "the schema nests too deeply (a reference cycle?)", location, propertyKey);
        }

        _depth++;
        try
        {
            return MapSchema(schema, nameHint, where, location, propertyKey, owner);
        }
        catch (InvalidOperationException)
        {
            // Microsoft.OpenApi throws when a reference resolves into a cycle of references.
            return Element(where, "its reference cannot be resolved (a cycle of references?)", location, propertyKey);
        }
        finally
        {
            _depth--;
        }
    }

    private Mapped MapSchema(IOpenApiSchema? schema, string nameHint, string where, SpecLocation? location, string? propertyKey, Component? owner)
    {
        if (schema is null)
        {
            return Element(where, "the schema is missing or untyped ({})", location, propertyKey);
        }

        if (ComponentOf(schema) is { } referenced)
        {
            return MapComponent(referenced);
        }

        if (schema.AnyOf is { Count: > 0 } || schema.OneOf is { Count: > 0 })
        {
            // anyOf/oneOf of one schema and "null" is only a nullable spelling of that schema (3.1 style).
            var members = schema.AnyOf is { Count: > 0 } ? schema.AnyOf : schema.OneOf!;
            var nonNull = members.Where(m => Read(m, s => s.Type, null) != JsonSchemaType.Null).ToList();
            if (nonNull.Count == 1 && (schema.Properties is null || schema.Properties.Count == 0))
            {
                return MapCore(nonNull[0], nameHint, where, location, propertyKey, owner);
            }

            var kind = schema.AnyOf is { Count: > 0 } ? "anyOf" : "oneOf";
            return Element(where, $"{kind} has no single C# type", location, propertyKey);
        }

        if (schema.AllOf is { Count: 1 } && (schema.Properties is null || schema.Properties.Count == 0))
        {
            // Also {"type":"object","nullable":true,"allOf":[{"$ref":X}]}: a nullable X. Callers read the nullability
            // from the outer schema's Type.
            return MapCore(schema.AllOf[0], nameHint, where, location, propertyKey, owner);
        }

        if (schema.AllOf is { Count: > 1 })
        {
            return Element(where, "allOf with several members is not merged", location, propertyKey);
        }

        var type = schema.Type ?? 0;
        var core = type & ~JsonSchemaType.Null;
        if (core == 0)
        {
            if (schema.Properties is { Count: > 0 })
            {
                core = JsonSchemaType.Object;
            }
            else if (schema.Items is not null)
            {
                core = JsonSchemaType.Array;
            }
            else if (schema.AdditionalProperties is not null)
            {
                core = JsonSchemaType.Object;
            }
            else
            {
                return Element(where, "the schema is untyped ({})", location, propertyKey);
            }
        }

        switch (core)
        {
            case JsonSchemaType.String:
                return schema.Format is "date-time"
                    ? Primitive("global::System.DateTimeOffset", true)
                    : Primitive("string", false);
            case JsonSchemaType.Integer:
                return Primitive("long", true);
            case JsonSchemaType.Number:
                return Primitive("double", true);
            case JsonSchemaType.Boolean:
                return Primitive("bool", true);
            case JsonSchemaType.Array:
            {
                var item = MapCore(schema.Items, ItemHint(nameHint), "items of " + where, location, propertyKey, owner: null);
                var itemSyntax = IsNullable(schema.Items) && item.Type.IsValueType ? item.Type.Nullable : item.Type.Syntax;
                return new Mapped(new TypeRef(List + itemSyntax + ">", false), "[" + item.Shape + (itemSyntax.EndsWith("?", StringComparison.Ordinal) ? "?" : string.Empty) + "]");
            }

            case JsonSchemaType.Object:
                return MapObject(schema, nameHint, where, location, propertyKey, owner);
            default:
                return Element(where, $"several types ({core})", location, propertyKey);
        }
    }

    private Mapped MapObject(IOpenApiSchema schema, string nameHint, string where, SpecLocation? location, string? propertyKey, Component? owner)
    {
        if (schema.Properties is null || schema.Properties.Count == 0)
        {
            var value = schema.AdditionalProperties is { } additional
                ? MapCore(additional, nameHint + "Value", "values of " + where, location, propertyKey, owner: null)
                : new Mapped(TypeRef.JsonElement, "json");
            return new Mapped(new TypeRef(Dictionary + value.Type.Syntax + ">", false), "{:" + value.Shape + "}");
        }

        var required = schema.Required ?? new HashSet<string>();
        var keepsUnknown = schema.AdditionalPropertiesAllowed;
        var members = new List<(string JsonName, string Type, string? Description, PropertyPresence Presence)>();
        var shape = new StringBuilder(keepsUnknown ? "{+" : "{-");
        foreach (var property in schema.Properties)
        {
            var propertyHint = nameHint + Naming.Pascal(property.Key);
            var mapped = MapCore(property.Value, propertyHint, $"property '{property.Key}' of {nameHint}", location, property.Key, owner: null);

            // Every property is nullable, value types too: Sentry omits fields its schemas call required, and a
            // non-nullable value type would then read as default (0, false, 0001-01-01), which the caller cannot tell
            // from a real value. The schema's word is kept in the property's documentation instead.
            var presence = !required.Contains(property.Key)
                ? PropertyPresence.Optional
                : AllowsNull(property.Value) ? PropertyPresence.RequiredNullable : PropertyPresence.Required;
            members.Add((property.Key, mapped.Type.Nullable, Read(property.Value, s => s.Description, null), presence));

            // Presence is part of the structure: it changes the generated documentation.
            shape.Append(property.Key).Append('\u0001').Append(PresenceMark(presence)).Append(mapped.Shape).Append('\u0002');
        }

        var key = shape.Append('}').ToString();
        if (_shapeOnly)
        {
            if (owner is not null)
            {
                owner.IsClass = true;
            }

            return new Mapped(new TypeRef("object", false), key);
        }

        string className;
        if (owner is not null)
        {
            // A component keeps its own name even when an earlier schema has the same structure.
            className = owner.ClassName;
            if (!_classByShape.ContainsKey(key))
            {
                _classByShape.Add(key, className);
            }
        }
        else if (_componentByShape.TryGetValue(key, out var component))
        {
            return MapComponent(component);
        }
        else if (!_classByShape.TryGetValue(key, out className))
        {
            className = Naming.Unique(Naming.Pascal(nameHint), _takenNames);
            _classByShape.Add(key, className);
        }
        else
        {
            return new Mapped(ClassRef(className), key);
        }

        var propertyNames = new HashSet<string>(StringComparer.Ordinal) { className };
        var properties = members
            .Select(m => new PropertySpec(m.JsonName, Naming.Unique(Naming.Pascal(m.JsonName), propertyNames), m.Type, m.Description, m.Presence))
            .ToList();
        var extensionName = Naming.Unique("AdditionalProperties", propertyNames);
        _models.Add(new ModelClassSpec(className, Read(schema, s => s.Description, null), properties.ToEquatableArray(), keepsUnknown, extensionName));
        return new Mapped(ClassRef(className), key);
    }

    /// <summary>The component a schema refers to (<c>$ref: #/components/schemas/X</c>), or null.</summary>
    private Component? ComponentOf(IOpenApiSchema schema) =>
        schema is OpenApiSchemaReference { Reference: { } reference } &&
        !reference.IsExternal &&
        reference.Id is { } id &&
        _components.TryGetValue(id, out var component)
            ? component
            : null;

    private Mapped MapComponent(Component component)
    {
        if (_shapeOnly)
        {
            return ComponentShape(component);
        }

        if (component.Mapped is { } done)
        {
            return done;
        }

        if (component.Busy)
        {
            // A reference back into a component being mapped: its class name is already known.
            return component.IsClass
                ? new Mapped(ClassRef(component.ClassName), component.Shape ?? "#" + component.Key)
                : Element($"schema '{component.Key}'", "it refers to itself", component.Location, null);
        }

        component.Busy = true;
        var searchFrom = SearchFrom;
        try
        {
            SearchFrom = component.SearchFrom;
            var mapped = MapCore(component.Schema, component.ClassName, $"schema '{component.Key}'", component.Location, null, component);

            // Structures are compared with the first-pass structure so an inline copy and a $ref stay equal.
            component.Mapped = new Mapped(mapped.Type, component.Shape ?? mapped.Shape);
            return component.Mapped.Value;
        }
        finally
        {
            SearchFrom = searchFrom;
            component.Busy = false;
        }
    }

    private Mapped ComponentShape(Component component)
    {
        if (component.ShapeMapped is { } done)
        {
            return done;
        }

        if (component.Busy)
        {
            return new Mapped(new TypeRef("object", false), "#" + component.Key);
        }

        component.Busy = true;
        try
        {
            var mapped = MapCore(component.Schema, component.ClassName, $"schema '{component.Key}'", null, null, component);
            component.ShapeMapped = mapped;
            component.Shape = mapped.Shape;
            return mapped;
        }
        finally
        {
            component.Busy = false;
        }
    }

    private TypeRef ClassRef(string className) => new("global::" + _modelsNamespace + "." + className, false);

    private static Mapped Primitive(string syntax, bool isValueType) => new(new TypeRef(syntax, isValueType), syntax);

    private static bool IsNullable(IOpenApiSchema? schema) => Read(schema, s => s.Type, null) is { } t && (t & JsonSchemaType.Null) != 0;

    /// <summary>Whether the schema admits JSON null: a null type, or an anyOf/oneOf with a null member (3.1 style).</summary>
    private static bool AllowsNull(IOpenApiSchema? schema) =>
        IsNullable(schema)
        || HasNullMember(Read(schema, s => s.AnyOf, null))
        || HasNullMember(Read(schema, s => s.OneOf, null));

    private static bool HasNullMember(IList<IOpenApiSchema>? members) =>
        members is not null && members.Any(m => Read(m, s => s.Type, null) == JsonSchemaType.Null);

    private static char PresenceMark(PropertyPresence presence) => presence switch
    {
        PropertyPresence.Required => '!',
        PropertyPresence.RequiredNullable => '~',
        _ => '?',
    };

    /// <summary>Reads a schema member; a reference that resolves into a cycle (Microsoft.OpenApi throws) reads as <paramref name="fallback"/>.</summary>
    private static T Read<T>(IOpenApiSchema? schema, Func<IOpenApiSchema, T> read, T fallback)
    {
        if (schema is null)
        {
            return fallback;
        }

        try
        {
            return read(schema);
        }
        catch (InvalidOperationException)
        {
            return fallback;
        }
    }

    private Mapped Element(string where, string why, SpecLocation? location, string? propertyKey)
    {
        if (!_shapeOnly && _reported.Add(where + "\u0001" + why))
        {
            if (propertyKey is not null && _locator is not null)
            {
                location = _locator.StringAt(_locator.FindKey(propertyKey, SearchFrom), propertyKey) ?? location;
            }

            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MappedToJsonElement, location, where, why));
        }

        return new Mapped(TypeRef.JsonElement, "json");
    }

    private static string ItemHint(string hint) =>
        hint.EndsWith("Response", StringComparison.Ordinal) ? hint.Substring(0, hint.Length - "Response".Length) + "Item" : hint + "Item";

    /// <summary>A C# type and the structure it was mapped from (names left out, references expanded).</summary>
    private readonly record struct Mapped(TypeRef Type, string Shape);

    /// <summary>A component schema: its reserved class name and what mapping it gave.</summary>
    private sealed class Component
    {
        public Component(string key, IOpenApiSchema schema, string className, int searchFrom, SpecLocation? location)
        {
            Key = key;
            Schema = schema;
            ClassName = className;
            SearchFrom = searchFrom;
            Location = location;
        }

        public string Key { get; }

        public IOpenApiSchema Schema { get; }

        public string ClassName { get; }

        public int SearchFrom { get; }

        public SpecLocation? Location { get; }

        /// <summary>True when the component is an object with properties (it gets a class of its own).</summary>
        public bool IsClass { get; set; }

        public string? Shape { get; set; }

        public Mapped? ShapeMapped { get; set; }

        public Mapped? Mapped { get; set; }

        public bool Busy { get; set; }
    }
}
