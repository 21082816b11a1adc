using KeycardSentry.Internal;
using KeycardSentry.Testing;

namespace KeycardSentry.Tests.Support;

/// <summary>The binding keys the runtime derives, spelled through the runtime's own <see cref="SubjectBinding"/> (one format, one place).</summary>
internal static class TestBindings
{
    public static string Jwt(LocalKeycardZone zone, string user) => SubjectBinding.ForJwt(zone.Issuer, user).Key;

    public static string Opaque(string token) => SubjectBinding.ForOpaque(SubjectTokenHash.Compute(token)).Key;
}
