using System;

namespace KeycardSentry.Generator.Parsing.Document;

/// <summary>A schema's JSON types (OpenAPI 3.0 <c>type</c> plus <c>nullable</c>, or a 3.1 <c>type</c> list).</summary>
[Flags]
internal enum SchemaType
{
    None = 0,
    String = 1,
    Number = 2,
    Integer = 4,
    Boolean = 8,
    Object = 16,
    Array = 32,
    Null = 64,
}

/// <summary>Names of <see cref="SchemaType"/> values, as <see cref="Enum.ToString()"/> writes them ("String, Integer"), without reflection.</summary>
internal static class SchemaTypeNames
{
    private static readonly (SchemaType Flag, string Name)[] Flags =
    {
        (SchemaType.String, "String"), (SchemaType.Number, "Number"), (SchemaType.Integer, "Integer"), (SchemaType.Boolean, "Boolean"),
        (SchemaType.Object, "Object"), (SchemaType.Array, "Array"), (SchemaType.Null, "Null"),
    };

    public static string Name(SchemaType type)
    {
        if (type == SchemaType.None)
        {
            return "None";
        }

        var names = new System.Text.StringBuilder();
        foreach (var (flag, name) in Flags)
        {
            if ((type & flag) != 0)
            {
                names.Append(names.Length == 0 ? string.Empty : ", ").Append(name);
            }
        }

        return names.ToString();
    }
}
