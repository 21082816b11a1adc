using System;
using System.Collections.Generic;
using System.Linq;
using KeycardSentry.Generator.Model;

namespace KeycardSentry.Generator.Parsing;

/// <summary>
/// The interfaces of a spec, one per tag: <c>I{Prefix}{Tag}Api</c>, the tag made PascalCase ("Spike Protection" →
/// SpikeProtection, "SCIM" → Scim). Tags that differ only by a trailing plural "s" ("Integration" and "Integrations")
/// share one interface, named with the plural. Untagged operations go to <c>I{Prefix}DefaultApi</c>.
/// </summary>
internal sealed class InterfaceGroups
{
    private readonly string _prefix;
    private readonly Dictionary<string, Group> _byKey = new(StringComparer.Ordinal);

    public InterfaceGroups(string prefix) => _prefix = prefix;

    /// <summary>The interface that holds operations tagged <paramref name="tag"/>.</summary>
    public Group For(string? tag)
    {
        var name = Naming.Pascal(string.IsNullOrWhiteSpace(tag) ? "Default" : tag, normaliseAcronyms: true);
        var key = (name.EndsWith("s", StringComparison.Ordinal) ? name.Substring(0, name.Length - 1) : name).ToUpperInvariant();
        if (!_byKey.TryGetValue(key, out var group))
        {
            group = new Group(name);
            _byKey.Add(key, group);
        }

        group.Add(tag ?? "Default", name);
        return group;
    }

    /// <summary>The interfaces, ordered by name; names made unique.</summary>
    public EquatableArray<InterfaceSpec> ToInterfaces()
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        return _byKey.Values
            .OrderBy(g => g.Name, StringComparer.Ordinal)
            .Select(g => new InterfaceSpec(Naming.Unique("I" + _prefix + g.Name + "Api", taken), string.Join(", ", g.Tags), g.Operations.ToEquatableArray()))
            .ToEquatableArray();
    }

    /// <summary>One interface being filled: its tags, its operations and the method names already taken.</summary>
    internal sealed class Group
    {
        public Group(string name) => Name = name;

        /// <summary>The tag part of the interface name (the longest spelling seen: the plural).</summary>
        public string Name { get; private set; }

        public List<string> Tags { get; } = new();

        public List<OperationSpec> Operations { get; } = new();

        public HashSet<string> MethodNames { get; } = new(StringComparer.Ordinal);

        public void Add(string tag, string name)
        {
            if (!Tags.Contains(tag))
            {
                Tags.Add(tag);
            }

            if (name.Length > Name.Length)
            {
                Name = name;
            }
        }
    }
}
