using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KeycardSentry.SpecImport;

/// <summary>
/// Writes JSON the same way every time: two-space indentation, members in the order they were added, and any object or
/// array that fits on one line (with its indentation, at most <see cref="LineWidth"/> characters) kept on one line.
/// </summary>
internal static class JsonText
{
    public const int LineWidth = 120;

    private static readonly JsonSerializerOptions StringOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(JsonNode node)
    {
        var text = new StringBuilder();
        Write(node, text, 0);
        return text.Append('\n').ToString();
    }

    private static void Write(JsonNode? node, StringBuilder text, int indent)
    {
        var compact = Compact(node);
        if (node is not (JsonObject or JsonArray) || compact.Length + indent <= LineWidth || IsEmpty(node))
        {
            text.Append(compact);
            return;
        }

        var pad = new string(' ', indent + 2);
        if (node is JsonObject obj)
        {
            text.Append("{\n");
            var first = true;
            foreach (var (key, value) in obj)
            {
                text.Append(first ? string.Empty : ",\n").Append(pad).Append(Quote(key)).Append(": ");
                Write(value, text, indent + 2);
                first = false;
            }

            text.Append('\n').Append(' ', indent).Append('}');
            return;
        }

        text.Append("[\n");
        var index = 0;
        foreach (var item in (JsonArray)node)
        {
            text.Append(index++ == 0 ? string.Empty : ",\n").Append(pad);
            Write(item, text, indent + 2);
        }

        text.Append('\n').Append(' ', indent).Append(']');
    }

    /// <summary>The one-line form: <c>{ "a": 1, "b": ["x", "y"] }</c>.</summary>
    public static string Compact(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject { Count: 0 } => "{}",
        JsonObject obj => "{ " + string.Join(", ", obj.Select(p => Quote(p.Key) + ": " + Compact(p.Value))) + " }",
        JsonArray array => "[" + string.Join(", ", array.Select(Compact)) + "]",
        JsonValue value when value.TryGetValue<string>(out var s) => Quote(s),
        _ => node.ToJsonString(),
    };

    private static bool IsEmpty(JsonNode? node) => node is JsonObject { Count: 0 } or JsonArray { Count: 0 };

    private static string Quote(string value) => JsonSerializer.Serialize(value, StringOptions);
}
