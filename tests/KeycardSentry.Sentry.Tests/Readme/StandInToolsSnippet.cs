// <readme:stand-in-tools>
using KeycardSentry.Testing;
using Microsoft.Extensions.Time.Testing;

// </readme:stand-in-tools>

namespace ReadmeSnippets;

/// <summary>tests/KeycardSentry.Testing/README.md, its first block; compiled as shown.</summary>
internal static class StandInToolsSnippet
{
    public static async Task RunAsync()
    {
        // <readme:stand-in-tools>
        var fakeTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var zone = await LocalKeycardZone.StartAsync(new LocalKeycardZoneOptions { TimeProvider = fakeTime });
        await using var sentry = await LocalSentryApi.StartAsync(zone);
        // point an app (or a silo process) at it: Keycard__ZoneUrl={zone.Issuer}, Keycard__ClientId={zone.ClientId},
        // Keycard__ClientSecret={zone.ClientSecret}, Keycard__SubjectAudience={zone.SubjectAudience}, SentryApi__BaseUrl={sentry.BaseUrl}
        var subject = zone.MintSubjectToken("alice");           // JWT signed by the zone (iss, sub, aud, iat/nbf/exp)
        var forged  = zone.MintForgedSubjectToken("alice");     // same kid and issuer, wrong key
        var opaque  = zone.MintOpaqueSubjectToken("bob");       // non-JWT token the zone accepts
        // </readme:stand-in-tools>
    }
}
