using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// A response schema, read once from Microsoft.OpenApi's object model into a graph the body generator walks without
/// touching the document again (so requests on many threads read only immutable data). References become shared
/// nodes, so a recursive schema is a cycle here; the generator bounds its depth.
/// </summary>
internal sealed class SchemaNode
{
    public static readonly SchemaNode Any = new();

    /// <summary>The JSON types allowed, without <see cref="JsonSchemaType.Null"/>; 0 = any.</summary>
    public JsonSchemaType Types { get; private set; }

    public bool Nullable { get; private set; }

    public string? Format { get; private set; }

    public string? Pattern { get; private set; }

    public int? MinLength { get; private set; }

    public int? MaxLength { get; private set; }

    public decimal? Minimum { get; private set; }

    public decimal? Maximum { get; private set; }

    public bool ExclusiveMinimum { get; private set; }

    public bool ExclusiveMaximum { get; private set; }

    public decimal? MultipleOf { get; private set; }

    public int? MinItems { get; private set; }

    public int? MaxItems { get; private set; }

    public bool UniqueItems { get; private set; }

    public int? MinProperties { get; private set; }

    public IReadOnlyList<KeyValuePair<string, SchemaNode>> Properties { get; private set; } = [];

    public IReadOnlySet<string> Required { get; private set; } = new HashSet<string>();

    public SchemaNode? Items { get; private set; }

    /// <summary>The schema of extra properties; null with <see cref="AdditionalPropertiesAllowed"/> = any value.</summary>
    public SchemaNode? AdditionalProperties { get; private set; }

    public bool AdditionalPropertiesAllowed { get; private set; } = true;

    public IReadOnlyList<SchemaNode> AllOf { get; private set; } = [];

    public IReadOnlyList<SchemaNode> AnyOf { get; private set; } = [];

    public IReadOnlyList<SchemaNode> OneOf { get; private set; } = [];

    public IReadOnlyList<JsonNode?> Enum { get; private set; } = [];

    public JsonNode? Const { get; private set; }

    /// <summary>Example and default values, tried when a <see cref="Pattern"/> constrains a string.</summary>
    public IReadOnlyList<JsonNode> Samples { get; private set; } = [];

    public bool IsComposite => AllOf.Count > 0 || AnyOf.Count > 0 || OneOf.Count > 0;

    /// <summary>
    /// The item schema when this is an array schema (also behind single-member wrappers such as
    /// <c>{"nullable":true,"allOf":[X]}</c>), else null.
    /// </summary>
    public SchemaNode? ArrayItems()
    {
        var seen = new HashSet<SchemaNode>(ReferenceEqualityComparer.Instance);
        for (var schema = this; seen.Add(schema);)
        {
            if (schema.Types == JsonSchemaType.Array || (schema.Types == 0 && schema.Items is not null && schema.Properties.Count == 0))
            {
                return schema.Items ?? Any;
            }

            var members = schema.AllOf.Count == 1 ? schema.AllOf : schema.AnyOf.Count == 1 ? schema.AnyOf : schema.OneOf.Count == 1 ? schema.OneOf : null;
            if (schema.Types != 0 || members is null)
            {
                return null;
            }

            schema = members[0];
        }

        return null;
    }

    /// <summary>The schema of property <paramref name="name"/>, looked up here and in allOf members.</summary>
    public SchemaNode? FindProperty(string name)
    {
        var seen = new HashSet<SchemaNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<SchemaNode>([this]);
        while (pending.Count > 0)
        {
            var schema = pending.Pop();
            if (!seen.Add(schema))
            {
                continue;
            }

            foreach (var (key, value) in schema.Properties)
            {
                if (key == name)
                {
                    return value;
                }
            }

            foreach (var member in schema.AllOf)
            {
                pending.Push(member);
            }
        }

        return null;
    }

    /// <summary>Converts a document's schema (and everything it references) into nodes.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<IOpenApiSchema, SchemaNode> _done = new(ReferenceEqualityComparer.Instance);

        public SchemaNode Build(IOpenApiSchema? schema)
        {
            var target = Resolve(schema);
            if (target is null)
            {
                return Any;
            }

            if (_done.TryGetValue(target, out var existing))
            {
                return existing;
            }

            // Registered before its children are built: a reference back to it (recursion) finds this node.
            var node = new SchemaNode();
            _done.Add(target, node);
            Fill(node, target);
            return node;
        }

        private static IOpenApiSchema? Resolve(IOpenApiSchema? schema)
        {
            try
            {
                for (var hops = 0; schema is OpenApiSchemaReference reference && hops < 64; hops++)
                {
                    schema = reference.Target;
                }

                return schema is OpenApiSchemaReference ? null : schema;
            }
            catch (InvalidOperationException)
            {
                return null; // Microsoft.OpenApi throws for a cycle of references: treat it as untyped
            }
        }

        private void Fill(SchemaNode node, IOpenApiSchema schema)
        {
            var type = schema.Type ?? 0;
            node.Types = type & ~JsonSchemaType.Null;
            node.Nullable = (type & JsonSchemaType.Null) != 0;
            node.Format = schema.Format;
            node.Pattern = schema.Pattern;
            node.MinLength = NonNegative(schema.MinLength);
            node.MaxLength = NonNegative(schema.MaxLength);
            (node.Minimum, node.ExclusiveMinimum) = Bound(Number(schema.Minimum), Number(schema.ExclusiveMinimum), lower: true);
            (node.Maximum, node.ExclusiveMaximum) = Bound(Number(schema.Maximum), Number(schema.ExclusiveMaximum), lower: false);
            node.MultipleOf = schema.MultipleOf is > 0 ? schema.MultipleOf : null;
            node.MinItems = NonNegative(schema.MinItems);
            node.MaxItems = NonNegative(schema.MaxItems);
            node.UniqueItems = schema.UniqueItems == true;
            node.MinProperties = NonNegative(schema.MinProperties);
            node.Required = schema.Required is { Count: > 0 } required ? new HashSet<string>(required, StringComparer.Ordinal) : node.Required;
            node.Enum = schema.Enum is { Count: > 0 } values ? [.. values.Select(Clone)] : [];
            node.Const = schema.Const is null ? null : JsonValue.Create(schema.Const);
#pragma warning disable CS0618 // Example is what an OpenAPI 3.0 "example" is read into
            var example = schema.Example;
#pragma warning restore CS0618
            node.Samples = [.. new[] { example, schema.Default }.Concat(schema.Examples ?? []).Select(Clone).OfType<JsonNode>()];
            node.Items = schema.Items is null ? null : Build(schema.Items);
            node.AdditionalPropertiesAllowed = schema.AdditionalPropertiesAllowed;
            node.AdditionalProperties = schema.AdditionalProperties is null ? null : Build(schema.AdditionalProperties);
            node.AllOf = Many(schema.AllOf);
            node.AnyOf = Many(schema.AnyOf);
            node.OneOf = Many(schema.OneOf);
            node.Properties = schema.Properties is { Count: > 0 } properties
                ? [.. properties.Where(p => p.Key is not null).Select(p => new KeyValuePair<string, SchemaNode>(p.Key, Build(p.Value)))]
                : [];
        }

        // Microsoft.OpenApi keeps a JSON null (e.g. in "enum": ["low", null]) as a sentinel string.
        private static JsonNode? Clone(JsonNode? value) => value is null || JsonNullSentinel.IsJsonNullSentinel(value) ? null : value.DeepClone();

        private List<SchemaNode> Many(IList<IOpenApiSchema>? schemas) => schemas is { Count: > 0 } ? [.. schemas.Select(Build)] : [];

        // OpenAPI 3.1 (and Microsoft.OpenApi for 3.0 documents) gives an exclusive bound as its own number.
        private static (decimal?, bool) Bound(decimal? inclusive, decimal? exclusive, bool lower) =>
            (inclusive, exclusive) switch
            {
                (null, null) => (null, false),
                (_, null) => (inclusive, false),
                (null, _) => (exclusive, true),
                _ => lower == (exclusive >= inclusive) ? (exclusive, true) : (inclusive, false),
            };

        private static int? NonNegative(int? value) => value is >= 0 ? value : null;

        private static decimal? Number(string? value) =>
            decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }
}
