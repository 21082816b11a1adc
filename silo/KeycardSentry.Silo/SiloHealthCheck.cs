using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace KeycardSentry.Silo;

/// <summary>Healthy while this silo is an active member of its cluster (so a load balancer stops sending to a leaving silo).</summary>
internal sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(local.SiloAddress);
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        var description = $"silo {local.Name} is {status}; {active} active silo(s) in cluster {local.ClusterId}";
        return Task.FromResult(status == SiloStatus.Active ? HealthCheckResult.Healthy(description) : HealthCheckResult.Unhealthy(description));
    }
}
