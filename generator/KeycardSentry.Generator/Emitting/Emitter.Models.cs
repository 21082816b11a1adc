using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing;

namespace KeycardSentry.Generator.Emitting;

internal static partial class Emitter
{
    private static string EmitModels(ApiModel model)
    {
        var w = Start(model.ModelsNamespace);
        var first = true;
        foreach (var type in model.Models)
        {
            if (!first)
            {
                w.WriteLine();
            }

            first = false;
            OpenType(w, string.IsNullOrWhiteSpace(type.Description) ? $"JSON model {type.Name}." : type.Description, $"public sealed partial class {type.Name}");
            foreach (var property in type.Properties)
            {
                w.Doc("summary", PropertySummary(property));
                w.WriteLine($"[global::System.Text.Json.Serialization.JsonPropertyName({Naming.Literal(property.JsonName)})]");
                if (property.Presence != PropertyPresence.RequiredNullable)
                {
                    // Unset is not null: an unset property is left out of a request body instead of being sent as
                    // null, which the API rejects where the schema does not allow null. Only a required nullable one is written as null.
                    w.WriteLine("[global::System.Text.Json.Serialization.JsonIgnore(Condition = global::System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]");
                }

                w.WriteLine($"public {TypeSyntax.Of(property.Type, model.ModelsNamespace)} {property.CsName} {{ get; set; }}");
                w.WriteLine();
            }

            if (type.KeepsUnknownProperties)
            {
                w.Doc("summary", "JSON members the schema does not describe, kept so nothing the API sends is lost.");
                w.WriteLine("[global::System.Text.Json.Serialization.JsonExtensionData]");
                w.WriteLine($"public global::System.Collections.Generic.Dictionary<string, global::System.Text.Json.JsonElement>? {type.ExtensionDataName} {{ get; set; }}");
            }

            w.CloseBlock();
        }

        w.CloseBlock();
        return w.ToString();
    }

    private static string PropertySummary(PropertySpec property)
    {
        var summary = string.IsNullOrWhiteSpace(property.Description) ? $"JSON member \"{property.JsonName}\"." : property.Description!.Trim();
        var presence = property.Presence switch
        {
            PropertyPresence.Required => "Required by the schema; null when the server omitted it. Not sent when null.",
            PropertyPresence.RequiredNullable => "Required by the schema, which allows null; null when the server sent null or omitted it.",
            _ => "Not sent when null.",
        };
        return presence is null ? summary : summary + "\n" + presence;
    }
}
