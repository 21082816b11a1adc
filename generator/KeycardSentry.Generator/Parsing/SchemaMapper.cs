using System;
using System.Collections.Generic;
using System.Linq;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing.Document;
using static KeycardSentry.Generator.Parsing.SchemaFacts;

namespace KeycardSentry.Generator.Parsing;

/// <summary>
/// Maps OpenAPI schemas to C# types (<see cref="TypeSpec"/>) and collects the model classes they need.
/// </summary>
/// <remarks>
/// This file dispatches on the kind of schema; objects and merged unions are built in SchemaMapper.Objects.cs, component
/// schemas are named and tracked in SchemaMapper.Components.cs. Naming rules, in order of precedence:
/// <list type="number">
/// <item>Every component schema (<c>components/schemas/X</c>) owns the class name X. Names are reserved before
/// anything else is mapped, so no derived name can take them.</item>
/// <item>A <c>$ref</c> to X (also the nullable wrapper <c>{"nullable":true,"allOf":[{"$ref":X}]}</c>) is always
/// X's type, wherever it is met.</item>
/// <item>An inline object whose structure equals a component's is that component's class.</item>
/// <item>Other inline objects are folded by structure and named after the first place they are met.</item>
/// </list>
/// Two components of the same structure keep separate classes; an inline copy goes to the first one in document
/// order. Structures are compared with references expanded, so an inline copy and a <c>$ref</c> compare equal.
/// </remarks>
internal sealed partial class SchemaMapper
{
    // A tree without references cannot recurse; this guards unknown reference cycles (a stack overflow cannot be caught).
    private const int MaxDepth = 64;

    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly SpecLocator? _locator;
    private readonly HashSet<string> _takenNames = new(StringComparer.Ordinal);
    private readonly List<ModelClassSpec> _models = new();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    // While true, Map only computes structures: no classes, no diagnostics.
    private bool _shapeOnly;
    private int _depth;

    public SchemaMapper(List<DiagnosticInfo> diagnostics, SpecLocator? locator = null)
    {
        _locator = locator;
        _diagnostics = diagnostics;
    }

    public IReadOnlyList<ModelClassSpec> Models => _models;

    /// <summary>Where in the spec text the schema being mapped starts (property keys are searched from here for KSG006).</summary>
    public int SearchFrom { get; set; }

    /// <param name="schema">The schema (null: untyped).</param>
    /// <param name="nameHint">Class name to use when the schema needs a new class.</param>
    /// <param name="where">Human description for KSG006 ("property 'x' of Foo").</param>
    /// <param name="location">Where KSG006 points.</param>
    /// <param name="propertyKey">The JSON property whose schema this is, to point KSG006 at it.</param>
    public TypeSpec Map(SchemaNode? schema, string nameHint, string where, SpecLocation? location, string? propertyKey = null) =>
        MapCore(schema, nameHint, where, location, propertyKey, owner: null).Type;

    private Mapped MapCore(SchemaNode? schema, string nameHint, string where, SpecLocation? location, string? propertyKey, Component? owner)
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
            // A reference that cannot be followed (a loop, a missing or non-local target) throws.
            return Element(where, "its reference cannot be resolved (a cycle of references?)", location, propertyKey);
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary>The structure of a schema, computed without creating classes or reporting anything.</summary>
    private string ShapeOf(SchemaNode? schema, string nameHint, string where)
    {
        var was = _shapeOnly;
        _shapeOnly = true;
        try
        {
            return MapCore(schema, nameHint, where, null, null, owner: null).Shape;
        }
        finally
        {
            _shapeOnly = was;
        }
    }

    private Mapped MapSchema(SchemaNode? schema, string nameHint, string where, SpecLocation? location, string? propertyKey, Component? owner)
    {
        if (schema is null)
        {
            return Element(where, "the schema is missing or untyped ({})", location, propertyKey);
        }

        if (ComponentOf(schema) is { } referenced)
        {
            return MapComponent(referenced);
        }

        if (UnionMembers(schema) is { } members && !HasProperties(schema))
        {
            // anyOf/oneOf of one schema and "null" is only a nullable spelling of that schema (3.1 style).
            var nonNull = members.Where(m => !IsNullType(m)).ToList();
            return nonNull.Count == 1
                ? MapCore(nonNull[0], nameHint, where, location, propertyKey, owner)
                : MapUnion(schema, nonNull, nameHint, where, location, propertyKey, owner);
        }

        if (schema.AllOf is { Count: 1 } && !HasProperties(schema))
        {
            // Also {"type":"object","nullable":true,"allOf":[{"$ref":X}]}: a nullable X. Callers read the nullability
            // from the outer schema's Type.
            return MapCore(schema.AllOf[0], nameHint, where, location, propertyKey, owner);
        }

        if (schema.AllOf is { Count: > 1 })
        {
            return MergedView(schema.AllOf, "allOf", requiredInEvery: false) is { } all
                ? MapObject(all, nameHint, where, location, propertyKey, owner)
                : Element(where, "allOf merges only object schemas", location, propertyKey);
        }

        switch (CoreType(schema))
        {
            case SchemaType.None:
                return Element(where, "the schema is untyped ({})", location, propertyKey);
            case SchemaType.String:
                return schema.Format is "date-time" ? Primitive(TypeSpec.DateTime, "date-time") : Primitive(TypeSpec.String, "string");
            case SchemaType.Integer:
                return Primitive(TypeSpec.Long, "long");
            case SchemaType.Number:
                return Primitive(TypeSpec.Double, "double");
            case SchemaType.Boolean:
                return Primitive(TypeSpec.Bool, "bool");
            case SchemaType.Array:
            {
                var item = MapCore(schema.Items, ItemHint(nameHint), "items of " + where, location, propertyKey, owner: null);
                var nullable = IsNullable(schema.Items) && item.Type.IsValueType;
                return new Mapped(TypeSpec.ListOf(nullable ? item.Type.AsNullable() : item.Type), "[" + item.Shape + (nullable ? "?" : string.Empty) + "]");
            }

            case SchemaType.Object:
                return MapObject(ObjectView.Of(schema), nameHint, where, location, propertyKey, owner);
            case var several:
                return _shapeOnly ? Primitive(TypeSpec.Json, "json") : Element(where, $"several types ({SchemaTypeNames.Name(several)})", location, propertyKey);
        }
    }

    /// <summary>A union of object schemas becomes one class with every member's properties; any other union stays raw JSON.</summary>
    private Mapped MapUnion(SchemaNode schema, List<SchemaNode> members, string nameHint, string where, SpecLocation? location, string? propertyKey, Component? owner)
    {
        var keyword = UnionKeyword(schema);
        var unwrapped = members.Select(Unwrap).ToList();
        if (unwrapped.Count > 1 && unwrapped.All(m => Read(m, CoreType, SchemaType.None) == SchemaType.Array))
        {
            // A union of arrays is an array of the union of their items.
            var items = SchemaNode.AnyOfMembers(unwrapped.Select(m => m.Items ?? SchemaNode.AnyOfMembers(Array.Empty<SchemaNode>())).ToList());
            var item = MapCore(items, ItemHint(nameHint), "items of " + where, location, propertyKey, owner: null);
            return new Mapped(TypeSpec.ListOf(item.Type), "[" + item.Shape + "]");
        }

        return MergedView(members, keyword, requiredInEvery: true) is { } merged
            ? MapObject(merged, nameHint, where, location, propertyKey, owner)
            : _shapeOnly ? Primitive(TypeSpec.Json, "json") : Element(where, $"{keyword} of {Kinds(members)} has no single C# type", location, propertyKey);
    }

    private static string Kinds(IEnumerable<SchemaNode> members)
    {
        var kinds = new List<string>();
        foreach (var member in members)
        {
            var type = Read(member, s => CoreType(Unwrap(s)), SchemaType.None);
            var kind = type == SchemaType.None ? "untyped" : SchemaTypeNames.Name(type).ToLowerInvariant();
            if (!kinds.Contains(kind))
            {
                kinds.Add(kind);
            }
        }

        kinds.Sort(StringComparer.Ordinal);
        return string.Join(" and ", kinds);
    }

    private static Mapped Primitive(TypeSpec type, string shape) => new(type, shape);

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

        return new Mapped(TypeSpec.Json, "json");
    }

    private static string ItemHint(string hint) =>
        hint.EndsWith("Response", StringComparison.Ordinal) ? hint.Substring(0, hint.Length - "Response".Length) + "Item" : hint + "Item";

    /// <summary>A C# type and the structure it was mapped from (names left out, references expanded).</summary>
    private readonly record struct Mapped(TypeSpec Type, string Shape);
}
