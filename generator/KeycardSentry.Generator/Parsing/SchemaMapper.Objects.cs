using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing.Document;
using static KeycardSentry.Generator.Parsing.SchemaFacts;

namespace KeycardSentry.Generator.Parsing;

internal sealed partial class SchemaMapper
{
    /// <summary>
    /// Builds the class (or map) for an object view. Every property is nullable, value types too: APIs omit fields
    /// their schemas call required, and a non-nullable value type would then read as default (0, false, 0001-01-01),
    /// which the caller cannot tell from a real value; the schema's word is kept in the property's documentation.
    /// </summary>
    private Mapped MapObject(ObjectView view, string nameHint, string where, SpecLocation? location, string? propertyKey, Component? owner)
    {
        if (view.Properties.Count == 0)
        {
            if (view.AdditionalProperties is not { } additional)
            {
                return new Mapped(TypeSpec.MapOf(TypeSpec.Json), "{:json}");
            }

            // As for array items: a nullable value type stays nullable ({"totals": {"crash_free_rate": null}}).
            var value = MapCore(additional, nameHint + "Value", "values of " + where, location, propertyKey, owner: null);
            var nullable = IsNullable(additional) && value.Type.IsValueType;
            return new Mapped(TypeSpec.MapOf(nullable ? value.Type.AsNullable() : value.Type), "{:" + value.Shape + (nullable ? "?" : string.Empty) + "}");
        }

        var members = new List<(string JsonName, TypeSpec Type, string? Description, PropertyPresence Presence)>();
        var shape = new StringBuilder(view.KeepsUnknown ? "{+" : "{-");
        foreach (var property in view.Properties)
        {
            var mapped = MapProperty(property, view.Keyword, nameHint, location);
            members.Add((property.Name, mapped.Type, Read(property.Schemas[0], s => s.Description, null), property.Presence));

            // Presence is part of the structure: it changes the generated documentation.
            shape.Append(property.Name).Append('\u0001').Append(PresenceMark(property.Presence)).Append(mapped.Shape).Append('\u0002');
        }

        var key = shape.Append('}').ToString();
        if (_shapeOnly)
        {
            if (owner is not null)
            {
                owner.IsClass = true;
            }

            return new Mapped(TypeSpec.Json, key);
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
            return new Mapped(TypeSpec.ModelClass(className), key);
        }

        var propertyNames = new HashSet<string>(StringComparer.Ordinal) { className };
        var properties = members
            .Select(m => new PropertySpec(m.JsonName, Naming.Unique(Naming.Pascal(m.JsonName), propertyNames), m.Type.AsNullable(), m.Description, m.Presence))
            .ToList();
        var extensionName = Naming.Unique("AdditionalProperties", propertyNames);
        _models.Add(new ModelClassSpec(className, view.Description, properties.ToEquatableArray(), view.KeepsUnknown, extensionName));
        return new Mapped(TypeSpec.ModelClass(className), key);
    }

    /// <summary>One property; merged from several members, it keeps a type only when they all give it the same one.</summary>
    private Mapped MapProperty(ViewProperty property, string? keyword, string nameHint, SpecLocation? location)
    {
        var where = $"property '{property.Name}' of {nameHint}";
        var hint = nameHint + Naming.Pascal(property.Name);
        var first = property.Schemas[0];
        if (property.Schemas.Count > 1)
        {
            var shape = ShapeOf(first, hint, where);
            if (property.Schemas.Skip(1).Any(other => ShapeOf(other, hint, where) != shape))
            {
                return Element(where, $"the members of the {keyword} give it different types", location, property.Name);
            }
        }

        return MapCore(first, hint, where, location, property.Name, owner: null);
    }

    /// <summary>
    /// The view of several object schemas as one: every member's properties in first-seen order; a property is required
    /// when every member requires it (<paramref name="requiredInEvery"/>: anyOf/oneOf) or when any does (allOf).
    /// Null when a member is not an object.
    /// </summary>
    private static ObjectView? MergedView(IReadOnlyList<SchemaNode> members, string keyword, bool requiredInEvery)
    {
        var resolved = members.Select(Unwrap).ToList();
        if (resolved.Count == 0 || resolved.Any(m => !Read(m, IsObject, false) || UnionMembers(m) is not null || m.AllOf is { Count: > 0 }))
        {
            return null;
        }

        var views = resolved.Select(ObjectView.Of).ToList();
        var merged = new ObjectView(keyword, null, views.Any(v => v.KeepsUnknown), null);
        var byName = new Dictionary<string, ViewProperty>(StringComparer.Ordinal);
        foreach (var view in views)
        {
            foreach (var property in view.Properties)
            {
                if (byName.TryGetValue(property.Name, out var existing))
                {
                    existing.Schemas.Add(property.Schemas[0]);
                    existing.Presence = Stronger(existing.Presence, property.Presence, requiredInEvery);
                }
                else
                {
                    var added = new ViewProperty(property.Name, new List<SchemaNode> { property.Schemas[0] }, property.Presence);
                    byName.Add(property.Name, added);
                    merged.Properties.Add(added);
                }
            }
        }

        if (requiredInEvery)
        {
            // Required in a union only when every member has it at all.
            foreach (var property in merged.Properties.Where(p => views.Any(v => v.Properties.All(q => q.Name != p.Name))))
            {
                property.Presence = PropertyPresence.Optional;
            }
        }

        return merged;
    }

    private static PropertyPresence Stronger(PropertyPresence a, PropertyPresence b, bool requiredInEvery)
    {
        if (requiredInEvery && (a == PropertyPresence.Optional || b == PropertyPresence.Optional))
        {
            return PropertyPresence.Optional;
        }

        if (a == PropertyPresence.Optional)
        {
            return b;
        }

        // Both required (or one of them, for allOf): null stays allowed only if every mention allows it.
        return a == PropertyPresence.RequiredNullable && b != PropertyPresence.Required ? PropertyPresence.RequiredNullable : PropertyPresence.Required;
    }

    /// <summary>What a class is built from: one object schema, or several merged (anyOf/oneOf/allOf of objects).</summary>
    private sealed class ObjectView
    {
        public ObjectView(string? keyword, string? description, bool keepsUnknown, SchemaNode? additionalProperties)
        {
            Keyword = keyword;
            Description = description;
            KeepsUnknown = keepsUnknown;
            AdditionalProperties = additionalProperties;
        }

        /// <summary>anyOf, oneOf or allOf for a merged view; null for a single schema.</summary>
        public string? Keyword { get; }

        public string? Description { get; }

        public bool KeepsUnknown { get; }

        /// <summary>The value schema of a map (an object without properties).</summary>
        public SchemaNode? AdditionalProperties { get; }

        public List<ViewProperty> Properties { get; } = new();

        public static ObjectView Of(SchemaNode schema)
        {
            // A free-form object (no properties at all) keeps whatever it is sent.
            var view = new ObjectView(null, Read(schema, s => s.Description, null), schema.AdditionalPropertiesAllowed || !HasProperties(schema), schema.AdditionalProperties);
            var required = schema.Required;
            foreach (var property in schema.Properties)
            {
                var presence = !required.Contains(property.Key)
                    ? PropertyPresence.Optional
                    : AllowsNull(property.Value) ? PropertyPresence.RequiredNullable : PropertyPresence.Required;
                view.Properties.Add(new ViewProperty(property.Key, new List<SchemaNode> { property.Value }, presence));
            }

            return view;
        }
    }

    /// <summary>A property of a view: its schema in each member that has it, and its merged presence.</summary>
    private sealed class ViewProperty
    {
        public ViewProperty(string name, List<SchemaNode> schemas, PropertyPresence presence)
        {
            Name = name;
            Schemas = schemas;
            Presence = presence;
        }

        public string Name { get; }

        public List<SchemaNode> Schemas { get; }

        public PropertyPresence Presence { get; set; }
    }
}
