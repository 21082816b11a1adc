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
