using KeycardSentry.Internal;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>Grain keys as the runtime derives them (through its own <see cref="SubjectBinding"/>: one format, one place).</summary>
internal static class GrainKeys
{
    public const string OpaquePrefix = SubjectBinding.OpaquePrefix;

    /// <summary>The key a subject token routes to when nothing validated it (unvalidated iss/sub of a JWT, else the token's hash).</summary>
    public static string ForSubjectToken(string subjectToken) => SubjectBinding.Route(subjectToken, SubjectTokenHash.Compute(subjectToken)).Key;

    public static TokenGrainRequest Request(string subjectToken, string scopes = "org:read") => new(subjectToken, KeycardWiring.Resource, scopes);
}
