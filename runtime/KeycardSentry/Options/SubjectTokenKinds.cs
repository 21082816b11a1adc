namespace KeycardSentry;

/// <summary>Which subject tokens the runtime accepts (<see cref="KeycardOptions.SubjectTokens"/>).</summary>
public enum SubjectTokenKinds
{
    /// <summary>Only JWTs signed by the zone (issuer, audience, lifetime checked); anything else is refused locally.</summary>
    Jwt,

    /// <summary>JWTs as above; tokens that are not JWT-shaped go to Keycard and are bound by their own SHA-256.</summary>
    JwtOrOpaque,
}
