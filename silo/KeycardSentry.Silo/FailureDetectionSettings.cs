using System.Globalization;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace KeycardSentry.Silo;

/// <summary>
/// Optional overrides of how fast the cluster notices a silo that died without leaving (killed, host lost), read from
/// the <c>Cluster</c> section. Unset keys keep the Orleans defaults, which suit production; tests set them low so a
/// killed silo is declared dead in seconds.
/// </summary>
/// <param name="ProbeTimeout"><c>Cluster:ProbeTimeout</c> → <see cref="ClusterMembershipOptions.ProbeTimeout"/> (Orleans default 5 s).</param>
/// <param name="NumMissedProbesLimit"><c>Cluster:NumMissedProbesLimit</c> → <see cref="ClusterMembershipOptions.NumMissedProbesLimit"/> (default 3).</param>
/// <param name="DeathVoteExpiration"><c>Cluster:DeathVoteExpiration</c> → <see cref="ClusterMembershipOptions.DeathVoteExpirationTimeout"/> (default 2 min).</param>
/// <param name="TableRefreshTimeout"><c>Cluster:TableRefreshTimeout</c> → <see cref="ClusterMembershipOptions.TableRefreshTimeout"/> (default 60 s).</param>
/// <param name="ResponseTimeout"><c>Cluster:ResponseTimeout</c> → <see cref="SiloMessagingOptions.ResponseTimeout"/> (default 30 s).</param>
internal sealed record FailureDetectionSettings(
    TimeSpan? ProbeTimeout,
    int? NumMissedProbesLimit,
    TimeSpan? DeathVoteExpiration,
    TimeSpan? TableRefreshTimeout,
    TimeSpan? ResponseTimeout)
{
    /// <summary>Reads the keys; each bad value adds an error naming its key.</summary>
    public static FailureDetectionSettings Read(IConfiguration cluster, List<string> errors) => new(
        ReadTime(cluster, "ProbeTimeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), errors),
        ReadInt(cluster, "NumMissedProbesLimit", 1, 100, errors),
        ReadTime(cluster, "DeathVoteExpiration", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), errors),
        ReadTime(cluster, "TableRefreshTimeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), errors),
        ReadTime(cluster, "ResponseTimeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), errors));

    /// <summary>True when any key was set.</summary>
    public bool Any => ProbeTimeout is not null || NumMissedProbesLimit is not null || DeathVoteExpiration is not null || TableRefreshTimeout is not null || ResponseTimeout is not null;

    /// <summary>Applies the set keys to the silo's options.</summary>
    public void Apply(ISiloBuilder silo)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            if (ProbeTimeout is { } probe)
            {
                o.ProbeTimeout = probe;
            }

            if (NumMissedProbesLimit is { } missed)
            {
                o.NumMissedProbesLimit = missed;
            }

            if (DeathVoteExpiration is { } votes)
            {
                o.DeathVoteExpirationTimeout = votes;
            }

            if (TableRefreshTimeout is { } refresh)
            {
                o.TableRefreshTimeout = refresh;
            }
        });
        if (ResponseTimeout is { } response)
        {
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = response);
        }
    }

    /// <summary>For the start banner.</summary>
    public string Describe() => string.Join(", ", new[]
    {
        ProbeTimeout is { } p ? $"probe timeout {p}" : null,
        NumMissedProbesLimit is { } n ? $"missed probes limit {n}" : null,
        DeathVoteExpiration is { } d ? $"death vote expiration {d}" : null,
        TableRefreshTimeout is { } t ? $"table refresh {t}" : null,
        ResponseTimeout is { } r ? $"response timeout {r}" : null,
    }.Where(x => x is not null));

    private static TimeSpan? ReadTime(IConfiguration cluster, string key, TimeSpan min, TimeSpan max, List<string> errors)
    {
        var text = cluster[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add($"Cluster:{key} (Cluster__{key}) is '{text}': use a time span from {min:c} to {max:c}, e.g. 00:00:02.");
            return null;
        }

        return value;
    }

    private static int? ReadInt(IConfiguration cluster, string key, int min, int max, List<string> errors)
    {
        var text = cluster[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add($"Cluster:{key} (Cluster__{key}) is '{text}': use a whole number from {min} to {max}.");
            return null;
        }

        return value;
    }
}
