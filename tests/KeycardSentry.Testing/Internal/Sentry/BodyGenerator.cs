using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// Generates a JSON value that validates against a <see cref="SchemaNode"/>, from a seeded random source: the same
/// seed and stream give the same value. Every declared property is filled near the top; deeper down only required
/// ones, and recursion, arrays and the total size are bounded so a recursive or huge schema stays small.
/// </summary>
internal sealed class BodyGenerator
{
    /// <summary>Below this depth optional properties are left out and arrays get their minimum length.</summary>
    private const int OptionalDepth = 6;

    /// <summary>Below this depth a nullable value is null and an object gets no properties at all.</summary>
    private const int MaxDepth = 24;

    /// <summary>At most this many values per body; after that only what the schema requires.</summary>
    private const int MaxValues = 20_000;

    private readonly Random _random;
    private int _values;

    private BodyGenerator(int seed) => _random = new Random(seed);

    private bool Lean => _values > MaxValues;

    /// <summary>A value for <paramref name="schema"/>, seeded by <paramref name="seed"/> and <paramref name="stream"/> (e.g. operation and item).</summary>
    public static JsonNode? Generate(SchemaNode schema, int seed, string stream) =>
        new BodyGenerator(Mix(seed, stream)).Value(schema, 0, null);

    private JsonNode? Value(SchemaNode schema, int depth, string? name)
    {
        _values++;
        if (depth > MaxDepth + 16)
        {
            return schema.Nullable ? null : JsonValue.Create(SampleValues.Word(_random)); // a schema that only ever recurses
        }

        if (schema.Const is not null)
        {
            return schema.Const.DeepClone();
        }

        if (schema.Enum.Count > 0)
        {
            return Pick(schema.Enum);
        }

        var nullable = schema.Nullable && !schema.IsComposite;
        if (nullable && (depth >= MaxDepth || _random.Next(8) == 0))
        {
            return null;
        }

        if (schema.AllOf.Count > 0)
        {
            var parts = Flatten(schema);
            if (parts.FirstOrDefault(p => p.Const is not null || p.Enum.Count > 0) is { } constrained)
            {
                return Value(constrained, depth, name);
            }

            return parts.Any(IsObjectLike)
                ? Object(parts, depth)
                : Value(parts.Skip(1).FirstOrDefault(p => p.Types != 0) ?? parts[^1], depth + 1, name);
        }

        if (schema.AnyOf.Count > 0 || schema.OneOf.Count > 0)
        {
            var choice = Choose(schema.AnyOf.Count > 0 ? schema.AnyOf : schema.OneOf);
            return schema.Properties.Count > 0 ? Object([schema, .. Flatten(choice)], depth) : Value(choice, depth + 1, name);
        }

        return TypeOf(schema) switch
        {
            JsonSchemaType.Object => Object([schema], depth),
            JsonSchemaType.Array => Array(schema, depth, name),
            JsonSchemaType.Integer => JsonValue.Create(Integer(schema, name)),
            JsonSchemaType.Number => JsonValue.Create(Number(schema)),
            JsonSchemaType.Boolean => JsonValue.Create(_random.Next(2) == 0),
            _ => JsonValue.Create(String(schema, name)),
        };
    }

    /// <summary>An object satisfying every part (an allOf and its members, or a schema and its chosen alternative).</summary>
    private JsonObject Object(IReadOnlyList<SchemaNode> parts, int depth)
    {
        var result = new JsonObject();
        var required = new HashSet<string>(parts.SelectMany(p => p.Required), StringComparer.Ordinal);
        var extraAllowed = parts.All(p => p.AdditionalPropertiesAllowed);
        var extra = parts.Select(p => p.AdditionalProperties).FirstOrDefault(a => a is not null);
        foreach (var (name, property) in parts.SelectMany(p => p.Properties))
        {
            if (result.ContainsKey(name) || (!required.Contains(name) && (depth >= OptionalDepth || Lean)) || (depth >= MaxDepth && !required.Contains(name)))
            {
                continue;
            }

            result[name] = Value(property, depth + 1, name);
        }

        foreach (var name in required.Where(n => !result.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            result[name] = extra is null ? JsonValue.Create(SampleValues.Word(_random)) : Value(extra, depth + 1, name);
        }

        var minimum = parts.Max(p => p.MinProperties ?? 0);
        var wanted = result.Count == 0 && extraAllowed && depth < OptionalDepth && !Lean ? Math.Max(minimum, _random.Next(1, 3)) : minimum;
        for (var i = 0; result.Count < wanted && extraAllowed && i < wanted * 4; i++)
        {
            var key = SampleValues.Word(_random) + (i == 0 ? string.Empty : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!result.ContainsKey(key))
            {
                result[key] = extra is null ? JsonValue.Create(SampleValues.Word(_random)) : Value(extra, depth + 1, key);
            }
        }

        return result;
    }

    private JsonArray Array(SchemaNode schema, int depth, string? name)
    {
        var minimum = schema.MinItems ?? 0;
        var maximum = Math.Max(minimum, schema.MaxItems ?? int.MaxValue);
        var count = depth >= OptionalDepth || Lean ? minimum : Math.Clamp(_random.Next(1, 3), minimum, maximum);
        var items = schema.Items ?? SchemaNode.Any;
        var result = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; result.Count < count && attempt < count * 8; attempt++)
        {
            var item = Value(items, depth + 1, Singular(name));
            if (!schema.UniqueItems || seen.Add(item?.ToJsonString() ?? "null"))
            {
                result.Add(item);
            }
        }

        return result;
    }

    private long Integer(SchemaNode schema, string? name)
    {
        var idLike = SampleValues.IsIdName(name);
        var low = schema.Minimum is { } min ? (long)Math.Ceiling(Math.Clamp(min, long.MinValue / 2, long.MaxValue / 2)) + (schema.ExclusiveMinimum && min == Math.Ceiling(min) ? 1 : 0) : idLike ? 1 : 0;
        var high = schema.Maximum is { } max ? (long)Math.Floor(Math.Clamp(max, long.MinValue / 2, long.MaxValue / 2)) - (schema.ExclusiveMaximum && max == Math.Floor(max) ? 1 : 0) : low + (idLike ? 99_999_999 : 1000);
        if (string.Equals(schema.Format, "int32", StringComparison.OrdinalIgnoreCase))
        {
            (low, high) = (Math.Max(low, int.MinValue), Math.Min(high, int.MaxValue));
        }

        high = Math.Max(low, high);
        var value = low + (long)(_random.NextDouble() * (high - low));
        if (schema.MultipleOf is { } step && step == Math.Floor(step) && step >= 1)
        {
            var unit = (long)step;
            value = value / unit * unit;
            value = value < low ? value + unit : value;
        }

        return value;
    }

    private double Number(SchemaNode schema)
    {
        var low = (double)(schema.Minimum ?? 0m);
        var high = (double)(schema.Maximum ?? (schema.Minimum ?? 0m) + 1000m);
        high = Math.Max(low, high);
        var value = Math.Round(low + (_random.NextDouble() * (high - low)), 2);
        if (schema.MultipleOf is { } step)
        {
            value = Math.Ceiling(low / (double)step) * (double)step;
        }

        var margin = (high - low) / 4;
        if ((schema.ExclusiveMinimum && value <= low) || (schema.ExclusiveMaximum && value >= high))
        {
            value = low + margin > low && low + margin < high ? low + margin : (low + high) / 2;
        }

        return Math.Clamp(value, low, high);
    }

    private string String(SchemaNode schema, string? name)
    {
        if (schema.Pattern is { Length: > 0 } pattern)
        {
            foreach (var sample in schema.Samples.OfType<JsonValue>())
            {
                if (sample.TryGetValue<string>(out var text) && Matches(pattern, text))
                {
                    return text;
                }
            }
        }

        var value = SampleValues.String(_random, name, schema.Format);
        if (schema.MaxLength is { } max && value.Length > max)
        {
            value = value[..max];
        }

        if (schema.MinLength is { } min && value.Length < min)
        {
            value = value.PadRight(Math.Min(min, 10_000), 'x');
        }

        return value;
    }

    private SchemaNode Choose(IReadOnlyList<SchemaNode> alternatives)
    {
        var useful = alternatives.Where(a => !(a.Types == 0 && a.Nullable && !a.IsComposite && a.Properties.Count == 0)).ToList();
        return useful.Count == 0 ? alternatives[0] : useful[_random.Next(useful.Count)];
    }

    /// <summary>A schema and its allOf members (recursively), with an alternative chosen for each anyOf/oneOf met.</summary>
    private List<SchemaNode> Flatten(SchemaNode schema)
    {
        var parts = new List<SchemaNode>();
        var pending = new Stack<SchemaNode>([schema]);
        while (pending.Count > 0 && parts.Count < 64)
        {
            var part = pending.Pop();
            if (parts.Contains(part))
            {
                continue;
            }

            parts.Add(part);
            foreach (var member in part.AllOf.Reverse())
            {
                pending.Push(member);
            }

            if (part.AnyOf.Count > 0 || part.OneOf.Count > 0)
            {
                pending.Push(Choose(part.AnyOf.Count > 0 ? part.AnyOf : part.OneOf));
            }
        }

        return parts;
    }

    private static bool IsObjectLike(SchemaNode schema) =>
        (schema.Types & JsonSchemaType.Object) != 0 || (schema.Types == 0 && (schema.Properties.Count > 0 || schema.AdditionalProperties is not null));

    private static JsonSchemaType TypeOf(SchemaNode schema)
    {
        foreach (var type in (ReadOnlySpan<JsonSchemaType>)[JsonSchemaType.Object, JsonSchemaType.Array, JsonSchemaType.String, JsonSchemaType.Integer, JsonSchemaType.Number, JsonSchemaType.Boolean])
        {
            if ((schema.Types & type) != 0)
            {
                return type;
            }
        }

        return IsObjectLike(schema) ? JsonSchemaType.Object : schema.Items is not null ? JsonSchemaType.Array : JsonSchemaType.String;
    }

    private JsonNode? Pick(IReadOnlyList<JsonNode?> values)
    {
        var present = values.Where(v => v is not null).ToList();
        return present.Count == 0 ? null : present[_random.Next(present.Count)]!.DeepClone();
    }

    private static string? Singular(string? name) =>
        name is { Length: > 3 } && name.EndsWith('s') ? name[..^1] : name;

    private static bool Matches(string pattern, string text)
    {
        try
        {
            return Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(50));
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // FNV-1a over the seed and the stream name: stable across processes (string.GetHashCode is not).
    private static int Mix(int seed, string stream)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in stream)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
