using System;
using System.Collections.Generic;
using System.Linq;
using KeycardSentry.Generator.Model;
using KeycardSentry.Generator.Parsing.Document;

namespace KeycardSentry.Generator.Parsing;

/// <summary>Questions asked of one schema, safe against references that cannot be followed.</summary>
internal static class SchemaFacts
{
    /// <summary>Reads a schema member; a reference that cannot be followed (it throws) reads as <paramref name="fallback"/>.</summary>
    public static T Read<T>(SchemaNode? schema, Func<SchemaNode, T> read, T fallback)
    {
        if (schema is null)
        {
            return fallback;
        }

        try
        {
            return read(schema);
        }
        catch (InvalidOperationException)
        {
            return fallback;
        }
    }

    /// <summary>The schema's type without <c>null</c>, inferred from its members when <c>type</c> is missing (None: untyped).</summary>
    public static SchemaType CoreType(SchemaNode schema)
    {
        var core = schema.Type & ~SchemaType.Null;
        if (core != SchemaType.None)
        {
            return core;
        }

        if (schema.Properties.Count > 0 || schema.AdditionalProperties is not null)
        {
            return SchemaType.Object;
        }

        return schema.Items is not null ? SchemaType.Array : SchemaType.None;
    }

    /// <summary>True for the member <c>{"type": "null"}</c> of a 3.1-style nullable union.</summary>
    public static bool IsNullType(SchemaNode? schema) => Read(schema, s => s.Type, SchemaType.None) == SchemaType.Null;

    public static bool IsNullable(SchemaNode? schema) => (Read(schema, s => s.Type, SchemaType.None) & SchemaType.Null) != 0;

    /// <summary>Whether the schema admits JSON null: a null type, or an anyOf/oneOf with a null member (3.1 style).</summary>
    public static bool AllowsNull(SchemaNode? schema) =>
        IsNullable(schema)
        || HasNullMember(Read(schema, s => s.AnyOf, null))
        || HasNullMember(Read(schema, s => s.OneOf, null));

    /// <summary>The members of an anyOf (else oneOf), or null when there are none.</summary>
    public static IReadOnlyList<SchemaNode>? UnionMembers(SchemaNode schema) => schema.AnyOf ?? schema.OneOf;

    public static string UnionKeyword(SchemaNode schema) => schema.AnyOf is not null ? "anyOf" : "oneOf";

    public static bool HasProperties(SchemaNode schema) => schema.Properties.Count > 0;

    /// <summary>
    /// Follows single-member allOf wrappers (<c>{"nullable": true, "allOf": [{"$ref": X}]}</c>) to the schema they wrap.
    /// </summary>
    public static SchemaNode Unwrap(SchemaNode schema)
    {
        for (var i = 0; i < 8 && schema.AllOf is { Count: 1 } allOf && !HasProperties(schema) && UnionMembers(schema) is null; i++)
        {
            schema = allOf[0];
        }

        return schema;
    }

    /// <summary>True for an object schema: one with properties, or a declared object (possibly free-form).</summary>
    public static bool IsObject(SchemaNode schema) => CoreType(schema) == SchemaType.Object;

    /// <summary>A URL parameter's type: scalars as C# scalars, arrays as sequences, and anything else (unions too) as text.</summary>
    public static TypeSpec ParameterType(SchemaNode? schema)
    {
        var core = Read(schema, CoreType, SchemaType.None);
        if (core == SchemaType.Array)
        {
            return TypeSpec.SequenceOf(ParameterType(schema!.Items));
        }

        // date-time stays a string in URLs: Refit would format a DateTimeOffset with the current culture.
        // A union of scalars (anyOf integer/string) goes on the wire as text either way.
        return core switch
        {
            SchemaType.Integer => TypeSpec.Long,
            SchemaType.Number => TypeSpec.Double,
            SchemaType.Boolean => TypeSpec.Bool,
            _ => TypeSpec.String,
        };
    }

    public static char PresenceMark(PropertyPresence presence) => presence switch
    {
        PropertyPresence.Required => '!',
        PropertyPresence.RequiredNullable => '~',
        _ => '?',
    };

    private static bool HasNullMember(IReadOnlyList<SchemaNode>? members) => members is not null && members.Any(IsNullType);
}
