namespace KeycardSentry.Orleans.Internal;

/// <summary>Conversions between the runtime's token request and the grain's wire request.</summary>
internal static class TokenGrainRequests
{
    public static TokenGrainRequest ToGrainRequest(this KeycardTokenRequest request) => new(request.SubjectToken, request.Resource, request.ScopeString);

    /// <summary>The runtime request a fetch needs (only on the exchange path; the cache path uses the strings as they came).</summary>
    public static KeycardTokenRequest ToTokenRequest(this TokenGrainRequest request) =>
        new(request.SubjectToken, request.Resource, request.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
