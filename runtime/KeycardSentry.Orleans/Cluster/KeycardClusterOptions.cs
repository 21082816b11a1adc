namespace KeycardSentry.Orleans;

/// <summary>
/// How a silo or an Orleans client joins the KeycardSentry cluster: membership (<see cref="Mode"/>), ids, ports and
/// timing. Bound from the <c>Cluster</c> section by <c>UseKeycardCluster(configuration)</c> on the silo and client
/// builders (environment variables <c>Cluster__Mode</c>, <c>Cluster__RedisConnectionString</c>, ...) and validated
/// when the host starts; cluster TLS is <see cref="KeycardClusterTlsOptions"/> (<c>Cluster:Tls</c>).
/// </summary>
/// <remarks>
/// Silos and clients of one cluster share <see cref="Mode"/>, the Redis connection string, <see cref="ClusterId"/>
/// and <see cref="ServiceId"/>. The timing keys left unset keep the Orleans defaults, which suit production.
/// </remarks>
public sealed class KeycardClusterOptions
{
    /// <summary>The configuration section name, <c>Cluster</c>.</summary>
    public const string SectionName = "Cluster";

    /// <summary>The default <see cref="ClusterId"/> and <see cref="ServiceId"/>, <c>keycardsentry</c>.</summary>
    public const string DefaultId = "keycardsentry";

    /// <summary>How silos find each other and clients find the silos. Default <see cref="KeycardClusterMode.Localhost"/>.</summary>
    public KeycardClusterMode Mode { get; set; } = KeycardClusterMode.Localhost;

    /// <summary>
    /// The StackExchange.Redis connection string of the membership store, e.g. <c>redis.internal:6379</c>. Required in
    /// <see cref="KeycardClusterMode.Redis"/> mode, refused in the other. Secret when it carries a password: never printed.
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>Silos and clients with the same cluster id (and service id) form one cluster. Default <c>keycardsentry</c>.</summary>
    public string ClusterId { get; set; } = DefaultId;

    /// <summary>The service id; also the prefix of the membership keys in Redis. Default <c>keycardsentry</c>.</summary>
    public string ServiceId { get; set; } = DefaultId;

    /// <summary>Silo only: the port silos talk to each other on. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// The port of a silo's client gateway. Default 30000. On a silo, where it listens; on a client in
    /// <see cref="KeycardClusterMode.Localhost"/> mode, the gateway it connects to on 127.0.0.1 (in Redis mode clients
    /// read the gateways from Redis).
    /// </summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Silo only, <see cref="KeycardClusterMode.Localhost"/> mode: the <see cref="SiloPort"/> of the silo on this
    /// machine that this one joins. Unset: this silo is the primary (one silo, or the first of several on one machine).
    /// </summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>
    /// Silo only, <see cref="KeycardClusterMode.Redis"/> mode: the IP address other silos and clients reach this silo
    /// on. Unset: Orleans picks this machine's address and the silo listens on all addresses; a loopback address
    /// (all silos on one machine) also makes it listen on loopback only.
    /// </summary>
    public string? AdvertisedIP { get; set; }

    /// <summary>
    /// Silo only: where the cluster records which silo hosts each grain activation. <see cref="KeycardGrainDirectory.Default"/>
    /// (Orleans' built-in, eventually consistent directory) or <see cref="KeycardGrainDirectory.Distributed"/> (Orleans'
    /// strongly consistent <c>AddDistributedGrainDirectory()</c>, experimental in Orleans 10). Every silo of a cluster must
    /// use the same one.
    /// </summary>
    public KeycardGrainDirectory GrainDirectory { get; set; } = KeycardGrainDirectory.Default;

    /// <summary>Silo only: Orleans <c>ClusterMembershipOptions.ProbeTimeout</c> (Orleans default 5 s).</summary>
    public TimeSpan? ProbeTimeout { get; set; }

    /// <summary>Silo only: Orleans <c>ClusterMembershipOptions.NumMissedProbesLimit</c> (Orleans default 3).</summary>
    public int? NumMissedProbesLimit { get; set; }

    /// <summary>Silo only: Orleans <c>ClusterMembershipOptions.DeathVoteExpirationTimeout</c> (Orleans default 2 min).</summary>
    public TimeSpan? DeathVoteExpiration { get; set; }

    /// <summary>Silo only: Orleans <c>ClusterMembershipOptions.TableRefreshTimeout</c> (Orleans default 60 s).</summary>
    public TimeSpan? TableRefreshTimeout { get; set; }

    /// <summary>
    /// How long a grain call may wait for its answer: Orleans <c>SiloMessagingOptions.ResponseTimeout</c> on a silo,
    /// <c>ClientMessagingOptions.ResponseTimeout</c> on a client (Orleans default 30 s).
    /// </summary>
    public TimeSpan? ResponseTimeout { get; set; }

    /// <summary>Client only: how often the gateway list is read again, Orleans <c>GatewayOptions.GatewayListRefreshPeriod</c> (Orleans default 1 min).</summary>
    public TimeSpan? GatewayListRefreshPeriod { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"KeycardClusterOptions {{ Mode = {Mode}, RedisConnectionString = {(string.IsNullOrEmpty(RedisConnectionString) ? "(not set)" : "***")}, ClusterId = {ClusterId}, ServiceId = {ServiceId}, SiloPort = {SiloPort}, GatewayPort = {GatewayPort} }}";
}

/// <summary>How silos find each other (<see cref="KeycardClusterOptions.Mode"/>).</summary>
public enum KeycardClusterMode
{
    /// <summary>Silos on this machine only, membership kept by the primary silo, in memory (development, tests).</summary>
    Localhost,

    /// <summary>Membership in Redis: any number of silos on any machines that share the connection string and ids.</summary>
    Redis,
}

/// <summary>The grain directory of the silos (<see cref="KeycardClusterOptions.GrainDirectory"/>).</summary>
public enum KeycardGrainDirectory
{
    /// <summary>Orleans' built-in grain directory: partitioned over the silos, eventually consistent.</summary>
    Default,

    /// <summary>
    /// Orleans' distributed grain directory (<c>AddDistributedGrainDirectory()</c>, experimental in Orleans 10,
    /// diagnostic ORLEANSEXP003): partitioned over the silos with ranges handed over on membership changes, strongly
    /// consistent, so a grain has at most one activation even while silos join and fail.
    /// </summary>
    Distributed,
}
