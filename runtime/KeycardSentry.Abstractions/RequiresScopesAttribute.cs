namespace KeycardSentry;

/// <summary>
/// Marks an API method with the scopes it requires. ANY ONE of the listed scopes suffices (Sentry's
/// semantics), after the granted scopes have been expanded through the catalog's implications.
/// The KSC001 analyzer reads this attribute at every call site.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RequiresScopesAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="scopes">The scopes of which any one suffices.</param>
    public RequiresScopesAttribute(params string[] scopes) => Scopes = scopes ?? [];

    /// <summary>The scopes of which any one suffices.</summary>
    public IReadOnlyList<string> Scopes { get; }
}

/// <summary>
/// Declares, on an assembly that carries generated clients, which scopes a granted scope implies
/// (the catalog's implication table). The analyzer expands granted scopes with these before it checks a call.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class ScopeImpliesAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public ScopeImpliesAttribute(string scope, params string[] implies)
    {
        Scope = scope;
        Implies = implies ?? [];
    }

    /// <summary>The granted scope.</summary>
    public string Scope { get; }

    /// <summary>Every scope a token holding <see cref="Scope"/> has (itself included).</summary>
    public IReadOnlyList<string> Implies { get; }
}

/// <summary>
/// Declares, on an assembly that carries generated clients, the scopes Keycard grants by default for its resource.
/// The analyzer assumes this grant when the MSBuild property <c>KeycardGrantedScopes</c> is not set.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false, Inherited = false)]
public sealed class KeycardDefaultGrantAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public KeycardDefaultGrantAttribute(string resource, params string[] scopes)
    {
        Resource = resource;
        Scopes = scopes ?? [];
    }

    /// <summary>The Keycard resource identifier the grant applies to.</summary>
    public string Resource { get; }

    /// <summary>The scopes granted by default.</summary>
    public IReadOnlyList<string> Scopes { get; }
}
