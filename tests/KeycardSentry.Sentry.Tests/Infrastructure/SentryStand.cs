using KeycardSentry.Testing;

namespace KeycardSentry.Sentry.Tests.Infrastructure;

/// <summary>A local Keycard zone and the Sentry stand-in that trusts it, both on 127.0.0.1.</summary>
internal sealed class SentryStand : IAsyncDisposable
{
    private SentryStand(LocalKeycardZone zone, LocalSentryApi sentry)
    {
        Zone = zone;
        Sentry = sentry;
    }

    public LocalKeycardZone Zone { get; }

    public LocalSentryApi Sentry { get; }

    public static async Task<SentryStand> StartAsync(LocalKeycardZoneOptions? options = null)
    {
        var zone = await LocalKeycardZone.StartAsync(options);
        try
        {
            var sentry = await LocalSentryApi.StartAsync(zone);

            // The organization answers carry the token's owner as "user" (extension data in the model), so a caller
            // can check the answer it got was for its own user.
            sentry.Respond(sentry.Operation("GET", "/api/0/organizations/{organization_id_or_slug}/").OperationId, SentryCall.GeneratedBodyWithUser);
            return new SentryStand(zone, sentry);
        }
        catch
        {
            await zone.DisposeAsync();
            throw;
        }
    }

    /// <summary>The requests the stand-in received for <paramref name="pathSuffix"/> (e.g. <c>/acme/</c>), in order.</summary>
    public IReadOnlyList<SentryRequestRecord> RequestsTo(string method, string pathSuffix) =>
        [.. Sentry.Requests.Where(r => r.Method == method && r.Path.EndsWith(pathSuffix, StringComparison.Ordinal))];

    /// <summary>The user an issued access token with this fingerprint belongs to (server-side, at the zone).</summary>
    public string? OwnerOfFingerprint(string? fingerprint) =>
        Zone.AllIssuedTokens
            .Where(t => KeycardToken.ComputeFingerprint(t) == fingerprint)
            .Select(t => Zone.TryResolveAccessToken(t, out var info) ? info.User : null)
            .FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        await Sentry.DisposeAsync();
        await Zone.DisposeAsync();
    }
}
