using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// Walks a deserialized response and its schema together and reports every field the schema declares that landed in
/// a model's <c>[JsonExtensionData]</c> bag instead of a property: a field our models lost. Keys the schema does not
/// declare (its <c>additionalProperties</c>) belong in the bag and are not reported.
/// </summary>
internal sealed class ExtensionDataCheck(ContractSpec spec)
{
    private const string ModelsNamespace = "KeycardSentry.Sentry.Models";

    /// <summary>The declared fields found in extension-data bags, and how many model objects were checked.</summary>
    public (IReadOnlyList<string> Problems, int Models) Check(object? value, JsonNode? schema)
    {
        var problems = new List<string>();
        var models = 0;
        Walk(value, schema, "$", problems, ref models, 0);
        return (problems, models);
    }

    private void Walk(object? value, JsonNode? schema, string at, List<string> problems, ref int models, int depth)
    {
        if (value is null or string or JsonElement or JsonNode || depth > 64 || value.GetType().IsPrimitive || value.GetType().IsValueType)
        {
            return;
        }

        var members = spec.Members(schema);
        if (value is IDictionary dictionary)
        {
            var values = members.Select(m => m["additionalProperties"]).FirstOrDefault(a => a is JsonObject);
            foreach (DictionaryEntry entry in dictionary)
            {
                Walk(entry.Value, values, $"{at}[{entry.Key}]", problems, ref models, depth + 1);
            }

            return;
        }

        if (value is IEnumerable list)
        {
            var items = members.Select(m => m["items"]).FirstOrDefault(i => i is not null);
            var index = 0;
            foreach (var item in list)
            {
                Walk(item, items, $"{at}[{index++}]", problems, ref models, depth + 1);
            }

            return;
        }

        var type = value.GetType();
        if (type.Namespace != ModelsNamespace)
        {
            return;
        }

        models++;
        var declared = members.Select(m => m["properties"]).OfType<JsonObject>().SelectMany(p => p).ToList();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonExtensionDataAttribute>() is not null)
            {
                if (property.GetValue(value) is IDictionary bag)
                {
                    foreach (var key in bag.Keys.Cast<string>().Where(k => declared.Any(d => d.Key == k)))
                    {
                        problems.Add($"{at}.{key}: the schema declares it, but it landed in {type.Name}.{property.Name}");
                    }
                }

                continue;
            }

            if (property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name is { } name)
            {
                Walk(property.GetValue(value), declared.FirstOrDefault(d => d.Key == name).Value, $"{at}.{name}", problems, ref models, depth + 1);
            }
        }
    }
}
