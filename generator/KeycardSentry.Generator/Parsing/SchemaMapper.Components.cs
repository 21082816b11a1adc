using System;
using System.Collections.Generic;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing.Document;

namespace KeycardSentry.Generator.Parsing;

internal sealed partial class SchemaMapper
{
    private readonly Dictionary<string, Component> _components = new(StringComparer.Ordinal);
    private readonly List<Component> _componentOrder = new();
    private readonly Dictionary<string, Component> _componentByShape = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _classByShape = new(StringComparer.Ordinal);

    /// <summary>
    /// Reserves every component schema's name and learns its structure. Call once, before any <see cref="Map"/>.
    /// </summary>
    public void AddComponents(IEnumerable<KeyValuePair<string, SchemaNode>> schemas)
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

    /// <summary>The component a schema refers to (<c>$ref: #/components/schemas/X</c>), or null.</summary>
    private Component? ComponentOf(SchemaNode schema) =>
        schema.ReferenceId is { } id && _components.TryGetValue(id, out var component) ? component : null;

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
                ? new Mapped(TypeSpec.ModelClass(component.ClassName), component.Shape ?? "#" + component.Key)
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
            return new Mapped(TypeSpec.Json, "#" + component.Key);
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

    /// <summary>A component schema: its reserved class name and what mapping it gave.</summary>
    private sealed class Component
    {
        public Component(string key, SchemaNode schema, string className, int searchFrom, SpecLocation? location)
        {
            Key = key;
            Schema = schema;
            ClassName = className;
            SearchFrom = searchFrom;
            Location = location;
        }

        public string Key { get; }

        public SchemaNode Schema { get; }

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
