using System;
using System.Collections.Generic;
using System.Linq;
using KeycardSentry.Generator.Model;
using Microsoft.OpenApi;

namespace KeycardSentry.Generator.Parsing;

/// <summary>Questions asked of one OpenAPI schema, safe against references that resolve into cycles.</summary>
internal static class SchemaFacts
{
    /// <summary>Reads a schema member; a reference that resolves into a cycle (Microsoft.OpenApi throws) reads as <paramref name="fallback"/>.</summary>
    public static T Read<T>(IOpenApiSchema? schema, Func<IOpenApiSchema, T> read, T fallback)
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

    /// <summary>The schema's type without <c>null</c>, inferred from its members when <c>type</c> is missing (0: untyped).</summary>
    public static JsonSchemaType CoreType(IOpenApiSchema schema)
    {
        var core = (schema.Type ?? 0) & ~JsonSchemaType.Null;
        if (core != 0)
        {
            return core;
        }

        if (schema.Properties is { Count: > 0 } || schema.AdditionalProperties is not null)
        {
            return JsonSchemaType.Object;
        }

        return schema.Items is not null ? JsonSchemaType.Array : 0;
    }

    /// <summary>True for the member <c>{"type": "null"}</c> of a 3.1-style nullable union.</summary>
    public static bool IsNullType(IOpenApiSchema? schema) => Read(schema, s => s.Type, null) == JsonSchemaType.Null;

    public static bool IsNullable(IOpenApiSchema? schema) => Read(schema, s => s.Type, null) is { } t && (t & JsonSchemaType.Null) != 0;

    /// <summary>Whether the schema admits JSON null: a null type, or an anyOf/oneOf with a null member (3.1 style).</summary>
    public static bool AllowsNull(IOpenApiSchema? schema) =>
        IsNullable(schema)
        || HasNullMember(Read(schema, s => s.AnyOf, null))
        || HasNullMember(Read(schema, s => s.OneOf, null));

    /// <summary>The members of an anyOf (else oneOf), or null when there are none.</summary>
    public static IList<IOpenApiSchema>? UnionMembers(IOpenApiSchema schema) =>
        schema.AnyOf is { Count: > 0 } any ? any : schema.OneOf is { Count: > 0 } one ? one : null;

    public static string UnionKeyword(IOpenApiSchema schema) => schema.AnyOf is { Count: > 0 } ? "anyOf" : "oneOf";

    public static bool HasProperties(IOpenApiSchema schema) => schema.Properties is { Count: > 0 };

    /// <summary>
    /// Follows single-member allOf wrappers (<c>{"nullable": true, "allOf": [{"$ref": X}]}</c>) to the schema they wrap.
    /// </summary>
    public static IOpenApiSchema Unwrap(IOpenApiSchema schema)
    {
        for (var i = 0; i < 8 && schema.AllOf is { Count: 1 } allOf && !HasProperties(schema) && UnionMembers(schema) is null; i++)
        {
            schema = allOf[0];
        }

        return schema;
    }

    /// <summary>True for an object schema: one with properties, or a declared object (possibly free-form).</summary>
    public static bool IsObject(IOpenApiSchema schema) => CoreType(schema) == JsonSchemaType.Object;

    /// <summary>A URL parameter's type: scalars as C# scalars, arrays as sequences, and anything else (unions too) as text.</summary>
    public static TypeSpec ParameterType(IOpenApiSchema? schema)
    {
        var core = schema is null ? 0 : Read<JsonSchemaType>(schema, CoreType, 0);
        if (core == JsonSchemaType.Array)
        {
            return TypeSpec.SequenceOf(ParameterType(schema!.Items));
        }

        // date-time stays a string in URLs: Refit would format a DateTimeOffset with the current culture.
        // A union of scalars (anyOf integer/string) goes on the wire as text either way.
        return core switch
        {
            JsonSchemaType.Integer => TypeSpec.Long,
            JsonSchemaType.Number => TypeSpec.Double,
            JsonSchemaType.Boolean => TypeSpec.Bool,
            _ => TypeSpec.String,
        };
    }

    public static char PresenceMark(PropertyPresence presence) => presence switch
    {
        PropertyPresence.Required => '!',
        PropertyPresence.RequiredNullable => '~',
        _ => '?',
    };

    private static bool HasNullMember(IList<IOpenApiSchema>? members) => members is not null && members.Any(IsNullType);
}
