namespace KeycardSentry;

/// <summary>
/// The key that signs <c>private_key_jwt</c> client assertions (RFC 7523 §2.2), bound from <c>Keycard:ClientAssertion</c>
/// (environment variables <c>Keycard__ClientAssertion__KeyPath</c>, ...). Set exactly one source: <see cref="KeyPath"/>,
/// <see cref="CertificatePath"/> or <see cref="CertificateThumbprint"/>. Loaded and checked when the host starts.
/// </summary>
/// <remarks><see cref="ToString"/> redacts <see cref="CertificatePassword"/>; neither it nor key material is ever logged.</remarks>
public sealed class KeycardClientAssertionOptions
{
    /// <summary>The longest <see cref="Lifetime"/> accepted: 10 minutes.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(10);

    /// <summary>A PEM file with the private key: PKCS#8 (<c>PRIVATE KEY</c>), <c>RSA PRIVATE KEY</c> or <c>EC PRIVATE KEY</c>; RSA of at least 2048 bits, or EC P-256/P-384/P-521. Unencrypted (protect the file).</summary>
    public string? KeyPath { get; set; }

    /// <summary>A PKCS#12 file (<c>.pfx</c>/<c>.p12</c>) with a certificate and its private key; its validity period is checked at start.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>. Secret: redacted in <see cref="ToString"/>, never logged.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint of a certificate with a private key in the <c>My</c> store of <see cref="StoreLocation"/>.</summary>
    public string? CertificateThumbprint { get; set; }

    /// <summary>Where <see cref="CertificateThumbprint"/> is looked up: <c>CurrentUser</c> (default) or <c>LocalMachine</c>.</summary>
    public string? StoreLocation { get; set; }

    /// <summary>The <c>kid</c> header: the id under which the public key is registered in Keycard. Default: the key's RFC 7638 JWK SHA-256 thumbprint (base64url).</summary>
    public string? KeyId { get; set; }

    /// <summary>The JWS algorithm: <c>RS256</c> (default for RSA), <c>RS384</c>, <c>RS512</c>, <c>PS256</c>, <c>PS384</c>, <c>PS512</c>; for EC the one of its curve (<c>ES256</c>, <c>ES384</c>, <c>ES512</c>, the default).</summary>
    public string? Algorithm { get; set; }

    /// <summary>How long one assertion is valid (<c>exp - iat</c>, on the injected clock); each token request signs a new one with a new <c>jti</c>. Default 60 s, at most <see cref="MaxLifetime"/>.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public override string ToString() =>
        $"KeycardClientAssertionOptions {{ KeyPath = {KeyPath}, CertificatePath = {CertificatePath}, CertificatePassword = {(string.IsNullOrEmpty(CertificatePassword) ? "(not set)" : "***")}, " +
        $"CertificateThumbprint = {CertificateThumbprint}, StoreLocation = {StoreLocation}, KeyId = {KeyId}, Algorithm = {Algorithm}, Lifetime = {Lifetime} }}";
}
