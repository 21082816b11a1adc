using System.Net;
using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Orleans.Configuration;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// <c>UseKeycardCluster</c>: every <c>Cluster:*</c> key bound into <see cref="KeycardClusterOptions"/> and from there into
/// Orleans' own options, on silo and client hosts that are built but not started; and every bad value refused by the
/// validator with its key and environment variable named.
/// </summary>
public sealed class ClusterOptionsTests
{
    [Fact]
    public void NoKeys_Defaults_LocalhostSiloIsItsOwnPrimary()
    {
        using var host = BuildSilo([]);

        var cluster = Options<KeycardClusterOptions>(host);
        Assert.Equal(KeycardClusterMode.Localhost, cluster.Mode);
        Assert.Equal(("keycardsentry", "keycardsentry", 11111, 30000), (cluster.ClusterId, cluster.ServiceId, cluster.SiloPort, cluster.GatewayPort));
        var endpoints = Options<EndpointOptions>(host);
        Assert.Equal((IPAddress.Loopback, 11111, 30000), (endpoints.AdvertisedIPAddress, endpoints.SiloPort, endpoints.GatewayPort));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 11111), Options<DevelopmentClusterMembershipOptions>(host).PrimarySiloEndpoint);
        Assert.Equal(("keycardsentry", "keycardsentry"), (Options<ClusterOptions>(host).ClusterId, Options<ClusterOptions>(host).ServiceId));
        Assert.False(Options<KeycardClusterTlsOptions>(host).IsEnabled);
    }

    [Fact]
    public void EveryLocalhostSiloKey_ReachesOrleans()
    {
        using var host = BuildSilo(new()
        {
            ["Cluster:Mode"] = "localhost",
            ["Cluster:ClusterId"] = "c1",
            ["Cluster:ServiceId"] = "s1",
            ["Cluster:SiloPort"] = "12001",
            ["Cluster:GatewayPort"] = "12002",
            ["Cluster:PrimarySiloPort"] = "12000",
            ["Cluster:ProbeTimeout"] = "00:00:01",
            ["Cluster:NumMissedProbesLimit"] = "2",
            ["Cluster:DeathVoteExpiration"] = "00:00:10",
            ["Cluster:TableRefreshTimeout"] = "00:00:02",
            ["Cluster:ResponseTimeout"] = "00:00:05",
        });

        Assert.Equal(("c1", "s1"), (Options<ClusterOptions>(host).ClusterId, Options<ClusterOptions>(host).ServiceId));
        var endpoints = Options<EndpointOptions>(host);
        Assert.Equal((12001, 12002), (endpoints.SiloPort, endpoints.GatewayPort));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 12000), Options<DevelopmentClusterMembershipOptions>(host).PrimarySiloEndpoint);
        var membership = Options<ClusterMembershipOptions>(host);
        Assert.Equal(TimeSpan.FromSeconds(1), membership.ProbeTimeout);
        Assert.Equal(2, membership.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromSeconds(10), membership.DeathVoteExpirationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), membership.TableRefreshTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), Options<SiloMessagingOptions>(host).ResponseTimeout);
    }

    [Fact]
    public void UnsetTimingKeys_KeepTheOrleansDefaults()
    {
        using var host = BuildSilo([]);

        var membership = Options<ClusterMembershipOptions>(host);
        var defaults = new ClusterMembershipOptions();
        Assert.Equal((defaults.ProbeTimeout, defaults.NumMissedProbesLimit, defaults.DeathVoteExpirationTimeout, defaults.TableRefreshTimeout), (membership.ProbeTimeout, membership.NumMissedProbesLimit, membership.DeathVoteExpirationTimeout, membership.TableRefreshTimeout));
        Assert.Equal(new SiloMessagingOptions().ResponseTimeout, Options<SiloMessagingOptions>(host).ResponseTimeout);
    }

    [Theory]
    [InlineData("10.0.0.12", "0.0.0.0")]
    [InlineData("127.0.0.1", null)]
    [InlineData(null, "0.0.0.0")]
    public void RedisSilo_AdvertisedIP_DecidesWhereItListens(string? advertised, string? listensOn)
    {
        var values = new Dictionary<string, string?> { ["Cluster:Mode"] = "Redis", ["Cluster:RedisConnectionString"] = "127.0.0.1:6390", ["Cluster:SiloPort"] = "12101", ["Cluster:GatewayPort"] = "12102" };
        if (advertised is not null)
        {
            values["Cluster:AdvertisedIP"] = advertised;
        }

        using var host = BuildSilo(values);

        var endpoints = Options<EndpointOptions>(host);
        if (advertised is not null)
        {
            Assert.Equal(IPAddress.Parse(advertised), endpoints.AdvertisedIPAddress);
        }

        Assert.Equal(listensOn is null ? null : new IPEndPoint(IPAddress.Parse(listensOn), 12101), endpoints.SiloListeningEndpoint);
        Assert.Equal(listensOn is null ? null : new IPEndPoint(IPAddress.Parse(listensOn), 12102), endpoints.GatewayListeningEndpoint);
        Assert.Equal("127.0.0.1:6390", Options<RedisClusteringOptions>(host).ConfigurationOptions!.EndPoints.Single().ToString());
    }

    [Fact]
    public void Client_Localhost_ConnectsToTheGatewayPort_WithItsTiming()
    {
        using var host = BuildClient(Configuration(new()
        {
            ["Cluster:GatewayPort"] = "12202",
            ["Cluster:ClusterId"] = "c2",
            ["Cluster:ResponseTimeout"] = "00:00:05",
            ["Cluster:GatewayListRefreshPeriod"] = "00:00:02",

            // Silo-only keys in a configuration shared with the silos: a client ignores them, good or bad.
            ["Cluster:ProbeTimeout"] = "soon",
            ["Cluster:SiloPort"] = "-1",
        }));

        Assert.Equal("c2", Options<ClusterOptions>(host).ClusterId);
        var gateway = Assert.Single(Options<StaticGatewayListProviderOptions>(host).Gateways);
        Assert.Equal(12202, gateway.Port);
        Assert.Equal(IPAddress.Loopback.ToString(), gateway.Host);
        Assert.Equal(TimeSpan.FromSeconds(5), Options<ClientMessagingOptions>(host).ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), Options<GatewayOptions>(host).GatewayListRefreshPeriod);
    }

    [Fact]
    public void Client_Redis_ReadsTheConnectionString_GivenTheRootOrTheSection()
    {
        var configuration = Configuration(new() { ["Cluster:Mode"] = "Redis", ["Cluster:RedisConnectionString"] = "127.0.0.1:6391" });
        foreach (var given in new IConfiguration[] { configuration, configuration.GetSection("Cluster") })
        {
            using var host = BuildClient(given);
            Assert.Equal(KeycardClusterMode.Redis, Options<KeycardClusterOptions>(host).Mode);
            Assert.Equal("127.0.0.1:6391", Options<RedisClusteringOptions>(host).ConfigurationOptions!.EndPoints.Single().ToString());
        }
    }

    [Theory]
    [InlineData("Mode", "Mongo", "use Localhost or Redis")]
    [InlineData("Mode", "7", "use Localhost or Redis")]
    [InlineData("SiloPort", "abc", "port number from 1 to 65535")]
    [InlineData("SiloPort", "0", "port number from 1 to 65535")]
    [InlineData("SiloPort", "-1", "port number from 1 to 65535")]
    [InlineData("SiloPort", "65536", "port number from 1 to 65535")]
    [InlineData("SiloPort", "99999999999", "port number from 1 to 65535")]
    [InlineData("GatewayPort", "1.5", "port number from 1 to 65535")]
    [InlineData("GatewayPort", "70000", "port number from 1 to 65535")]
    [InlineData("PrimarySiloPort", "0", "port number from 1 to 65535")]
    [InlineData("ProbeTimeout", "soon", "time span from 00:00:00.1000000 to 00:05:00")]
    [InlineData("ProbeTimeout", "-00:00:01", "time span from 00:00:00.1000000 to 00:05:00")]
    [InlineData("ProbeTimeout", "00:10:00", "time span from 00:00:00.1000000 to 00:05:00")]
    [InlineData("NumMissedProbesLimit", "0", "whole number from 1 to 100")]
    [InlineData("NumMissedProbesLimit", "many", "whole number from 1 to 100")]
    [InlineData("DeathVoteExpiration", "00:00:00", "time span from 00:00:01 to 01:00:00")]
    [InlineData("TableRefreshTimeout", "10675199.02:48:05.4775807", "time span from 00:00:00.1000000 to 01:00:00")]
    [InlineData("ResponseTimeout", "-00:00:05", "time span from 00:00:00.1000000 to 01:00:00")]
    [InlineData("ClusterId", "a\u0007b", "printable characters")]
    [InlineData("ProbeTimout", "00:00:01", "is not a setting here")]
    public void BadSiloValue_OneErrorNamingTheKeyAndItsVariable(string key, string value, string hint)
    {
        var error = Assert.Single(SiloErrors(new() { [$"Cluster:{key}"] = value }));

        Assert.Contains($"Cluster:{key} (Cluster__{key})", error, StringComparison.Ordinal);
        Assert.Contains(hint, error, StringComparison.Ordinal);
        Assert.DoesNotContain(error, c => char.IsControl(c));
    }

    [Fact]
    public void HugeValue_IsShownShortened()
    {
        var error = Assert.Single(SiloErrors(new() { ["Cluster:ServiceId"] = new string('x', 100_000) }));

        Assert.Contains("Cluster:ServiceId (Cluster__ServiceId)", error, StringComparison.Ordinal);
        Assert.InRange(error.Length, 1, 400);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("010.0.0.1")]
    [InlineData("10.0.0")]
    [InlineData("redis-host")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    public void BadAdvertisedIP_IsRefused(string value)
    {
        var error = Assert.Single(SiloErrors(new() { ["Cluster:Mode"] = "Redis", ["Cluster:RedisConnectionString"] = "127.0.0.1:6379", ["Cluster:AdvertisedIP"] = value }));
        Assert.Contains("Cluster:AdvertisedIP (Cluster__AdvertisedIP)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RedisWithoutConnectionString_NamesBothKeys()
    {
        var error = Assert.Single(SiloErrors(new() { ["Cluster:Mode"] = "Redis" }));
        Assert.Contains("Cluster:Mode (Cluster__Mode) is Redis but Cluster:RedisConnectionString (Cluster__RedisConnectionString) is not set", error, StringComparison.Ordinal);
        Assert.Contains("Cluster:RedisConnectionString (Cluster__RedisConnectionString) is not set", Assert.Single(ClientErrors(new() { ["Cluster:Mode"] = "Redis" })), StringComparison.Ordinal);
    }

    [Fact]
    public void BadRedisConnectionString_NamesTheKey_NeverThePassword()
    {
        var error = Assert.Single(SiloErrors(new() { ["Cluster:Mode"] = "Redis", ["Cluster:RedisConnectionString"] = "127.0.0.1:6379,password=hunter2-secret,nosuchoption=1" }));
        Assert.Contains("Cluster:RedisConnectionString (Cluster__RedisConnectionString) is not a StackExchange.Redis connection string", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Localhost", "RedisConnectionString", "127.0.0.1:6379", "set the mode to Redis to use it")]
    [InlineData("Localhost", "AdvertisedIP", "10.0.0.12", "always uses 127.0.0.1")]
    [InlineData("Redis", "PrimarySiloPort", "11111", "silos find each other in Redis")]
    public void KeyOfTheOtherMode_IsRefused_NotIgnored(string mode, string key, string value, string hint)
    {
        var values = new Dictionary<string, string?> { ["Cluster:Mode"] = mode, [$"Cluster:{key}"] = value };
        if (mode == "Redis")
        {
            values["Cluster:RedisConnectionString"] = "127.0.0.1:6379";
        }

        var error = Assert.Single(SiloErrors(values));
        Assert.Contains($"Cluster:{key} (Cluster__{key}) is set", error, StringComparison.Ordinal);
        Assert.Contains(hint, error, StringComparison.Ordinal);
    }

    [Fact]
    public void SamePortForSiloAndGateway_IsRefused()
    {
        var error = Assert.Single(SiloErrors(new() { ["Cluster:SiloPort"] = "12300", ["Cluster:GatewayPort"] = "12300" }));
        Assert.Contains("Cluster:SiloPort (Cluster__SiloPort) and Cluster:GatewayPort (Cluster__GatewayPort) are both 12300", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientTimingKeys_AreChecked_OnTheClient()
    {
        var errors = ClientErrors(new() { ["Cluster:GatewayListRefreshPeriod"] = "never", ["Cluster:ResponseTimeout"] = "00:00:00", ["Cluster:GatewayPort"] = "0" });

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Cluster:GatewayListRefreshPeriod (Cluster__GatewayListRefreshPeriod) is 'never'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Cluster:ResponseTimeout (Cluster__ResponseTimeout) is '00:00:00'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Cluster:GatewayPort (Cluster__GatewayPort) is '0'", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryProblemAtOnce_AtStart_AsOptionsValidationException()
    {
        using var host = BuildSilo(new() { ["Cluster:SiloPort"] = "x", ["Cluster:ProbeTimeout"] = "y", ["Cluster:Tls:AllowAnyRemoteCertificate"] = "z" });

        Assert.Equal(3, StartupConfigurationErrors.Validate(host.Services).Count);
        var failure = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal(3, StartupConfigurationErrors.From(failure).Count);
    }

    [Fact]
    public async Task ClientApp_HostStartThrowsOptionsValidationException_WithTheMessages()
    {
        using var host = BuildClient(Configuration(new() { ["Cluster:Mode"] = "Redis", ["Cluster:ResponseTimeout"] = "soon" }));

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, failure.Failures.Count());
        Assert.Contains(failure.Failures, f => f.Contains("Cluster:RedisConnectionString (Cluster__RedisConnectionString) is not set", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Cluster:ResponseTimeout (Cluster__ResponseTimeout) is 'soon'", StringComparison.Ordinal));
    }

    private static List<string> SiloErrors(Dictionary<string, string?> values)
    {
        using var host = BuildSilo(values);
        return [.. StartupConfigurationErrors.Validate(host.Services)];
    }

    private static List<string> ClientErrors(Dictionary<string, string?> values)
    {
        using var host = BuildClient(Configuration(values));
        return [.. StartupConfigurationErrors.Validate(host.Services)];
    }

    private static IHost BuildSilo(Dictionary<string, string?> values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(values);
        builder.UseOrleans(silo => silo.UseKeycardCluster(builder.Configuration));
        return builder.Build();
    }

    private static IHost BuildClient(IConfiguration configuration)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleansClient(client => client.UseKeycardCluster(configuration));
        return builder.Build();
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static T Options<T>(IHost host)
        where T : class => host.Services.GetRequiredService<IOptions<T>>().Value;
}
