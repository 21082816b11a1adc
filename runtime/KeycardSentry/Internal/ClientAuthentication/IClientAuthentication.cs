namespace KeycardSentry.Internal.ClientAuthentication;

/// <summary>
/// How this application proves itself to the zone's token endpoint (RFC 6749 §2.3). One implementation per method,
/// chosen from <see cref="KeycardOptions.ClientAuthentication"/>, so the exchange client never knows which one it uses.
/// </summary>
internal interface IClientAuthentication
{
    /// <summary>The method's registered name (RFC 8414 <c>token_endpoint_auth_methods_supported</c>), e.g. <c>private_key_jwt</c>.</summary>
    string Method { get; }

    /// <summary>What to check when the zone answers <c>invalid_client</c>: names the settings of this method, never a secret.</summary>
    string InvalidClientHint { get; }

    /// <summary>
    /// Adds the client's credentials to one token request: a header on <paramref name="request"/> or fields in
    /// <paramref name="form"/> (the form is encoded after this call). Called once per request.
    /// </summary>
    /// <exception cref="KeycardExchangeException">The credentials could not be produced (e.g. the key cannot sign).</exception>
    void Apply(HttpRequestMessage request, IList<KeyValuePair<string, string>> form, Uri tokenEndpoint);
}
