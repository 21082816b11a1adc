namespace KeycardSentry.Generator.Model;

/// <summary>What kind of C# type a <see cref="TypeSpec"/> is.</summary>
internal enum TypeKind
{
    /// <summary>A C# keyword type (<c>string</c>, <c>long</c>, <c>double</c>, <c>bool</c>).</summary>
    Keyword,

    /// <summary><c>System.DateTimeOffset</c>.</summary>
    DateTimeOffset,

    /// <summary>The raw JSON (<c>System.Text.Json.JsonElement</c>): the schema leaves the type open.</summary>
    JsonElement,

    /// <summary>A generated model class in the models namespace; <see cref="TypeSpec.Name"/> is its name.</summary>
    Model,

    /// <summary><c>List&lt;Element&gt;</c>.</summary>
    List,

    /// <summary><c>Dictionary&lt;string, Element&gt;</c>.</summary>
    Map,

    /// <summary><c>IEnumerable&lt;Element&gt;</c>: an array query parameter.</summary>
    Sequence,

    /// <summary><c>System.Net.Http.HttpContent</c>: a form body the caller builds.</summary>
    HttpContent,
}

/// <summary>
/// A C# type as structure, not text: the parser builds it, the emitter alone spells it (TypeSyntax). Value-equal.
/// </summary>
/// <param name="Kind">What kind of type.</param>
/// <param name="Name">The keyword (<see cref="TypeKind.Keyword"/>) or class name (<see cref="TypeKind.Model"/>); empty otherwise.</param>
/// <param name="Element">The element or value type of a list, map or sequence.</param>
/// <param name="Nullable">True when this position admits null and says so in C# (a <c>long?</c> list element).</param>
internal sealed record TypeSpec(TypeKind Kind, string Name = "", TypeSpec? Element = null, bool Nullable = false)
{
    public static readonly TypeSpec String = new(TypeKind.Keyword, "string");
    public static readonly TypeSpec Long = new(TypeKind.Keyword, "long");
    public static readonly TypeSpec Double = new(TypeKind.Keyword, "double");
    public static readonly TypeSpec Bool = new(TypeKind.Keyword, "bool");
    public static readonly TypeSpec DateTime = new(TypeKind.DateTimeOffset);
    public static readonly TypeSpec Json = new(TypeKind.JsonElement);
    public static readonly TypeSpec Content = new(TypeKind.HttpContent);

    /// <summary>True for C# value types (they need <c>?</c> to be nullable as values, not only as annotations).</summary>
    public bool IsValueType => Kind is TypeKind.DateTimeOffset or TypeKind.JsonElement || (Kind == TypeKind.Keyword && Name != "string");

    /// <summary>This type, nullable.</summary>
    public TypeSpec AsNullable() => Nullable ? this : this with { Nullable = true };

    public static TypeSpec ModelClass(string name) => new(TypeKind.Model, name);

    public static TypeSpec ListOf(TypeSpec element) => new(TypeKind.List, string.Empty, element);

    public static TypeSpec MapOf(TypeSpec value) => new(TypeKind.Map, string.Empty, value);

    public static TypeSpec SequenceOf(TypeSpec element) => new(TypeKind.Sequence, string.Empty, element);
}
