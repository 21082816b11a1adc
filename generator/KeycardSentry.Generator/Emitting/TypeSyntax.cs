using KeycardSentry.Generator.Model;

namespace KeycardSentry.Generator.Emitting;

/// <summary>Spells a <see cref="TypeSpec"/> as fully qualified C#; the only place type text is made.</summary>
internal static class TypeSyntax
{
    public static string Of(TypeSpec type, string modelsNamespace)
    {
        var core = type.Kind switch
        {
            TypeKind.Keyword => type.Name,
            TypeKind.DateTimeOffset => "global::System.DateTimeOffset",
            TypeKind.JsonElement => "global::System.Text.Json.JsonElement",
            TypeKind.Model => "global::" + modelsNamespace + "." + type.Name,
            TypeKind.List => "global::System.Collections.Generic.List<" + Of(type.Element!, modelsNamespace) + ">",
            TypeKind.Map => "global::System.Collections.Generic.Dictionary<string, " + Of(type.Element!, modelsNamespace) + ">",
            TypeKind.Sequence => "global::System.Collections.Generic.IEnumerable<" + Of(type.Element!, modelsNamespace) + ">",
            _ => "global::System.Net.Http.HttpContent",
        };
        return type.Nullable ? core + "?" : core;
    }
}
