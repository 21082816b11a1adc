using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// Reports the Keycard zone: healthy once its metadata (and keys, when only JWTs are accepted) were read; degraded when no
/// zone is configured (the process runs, token requests fail saying what to set) or it has not been read yet; unhealthy
/// when it could not be reached at the last attempt, or publishes no keys while only JWTs are accepted.
/// </summary>
internal sealed class KeycardZoneHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(KeycardZoneStatus)) is not KeycardZoneStatus status)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                "No Keycard zone is configured: set Keycard:ZoneUrl (Keycard__ZoneUrl), Keycard:ClientId and the client credentials, then restart."));
        }

        var options = ((IOptions<KeycardOptions>)services.GetService(typeof(IOptions<KeycardOptions>))!).Value;
        var snapshot = status.Current;
        var result = snapshot.State switch
        {
            KeycardZoneStatus.ZoneState.NotChecked => HealthCheckResult.Degraded($"The Keycard zone {options.ZoneUrl} has not been read yet."),
            KeycardZoneStatus.ZoneState.Unreachable => HealthCheckResult.Unhealthy($"The Keycard zone {options.ZoneUrl} could not be read: {snapshot.Error}"),
            _ when !snapshot.HasJwks && options.SubjectTokens == SubjectTokenKinds.Jwt =>
                HealthCheckResult.Unhealthy($"The Keycard zone {options.ZoneUrl} publishes no signing keys (jwks_uri), but Keycard:SubjectTokens is Jwt: every subject token is refused."),
            _ => HealthCheckResult.Healthy($"The Keycard zone {options.ZoneUrl} was read; signing keys {(snapshot.HasJwks ? "published" : "not published (tokens are bound by their own hash)")}."),
        };
        return Task.FromResult(result);
    }
}
