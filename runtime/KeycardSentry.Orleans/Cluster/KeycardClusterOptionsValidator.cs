using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KeycardSentry.Orleans.Internal;

/// <summary>Checks <see cref="KeycardClusterOptions"/> at start; every failure names its key and the fix.</summary>
/// <param name="keys">The binder of the <c>Cluster</c> section (for key names and values that did not convert).</param>
/// <param name="forSilo">Silo-only keys are checked on a silo; a client ignores them (silos and clients may share a configuration).</param>
internal sealed class KeycardClusterOptionsValidator(ConfigurationKeyBinder keys, bool forSilo) : IValidateOptions<KeycardClusterOptions>
{
    private const int MaxIdLength = 200;

    public ValidateOptionsResult Validate(string? name, KeycardClusterOptions options)
    {
        var checks = new ConfigurationKeyChecks(keys);
        var redis = options.Mode == KeycardClusterMode.Redis;
        checks.Check(nameof(options.Mode), !Enum.IsDefined(options.Mode), options.Mode, "use Localhost or Redis.");
        CheckRedis(checks, options, redis);
        CheckId(checks, nameof(options.ClusterId), options.ClusterId);
        CheckId(checks, nameof(options.ServiceId), options.ServiceId);
        checks.Port(nameof(options.GatewayPort), options.GatewayPort);
        checks.Time(nameof(options.ResponseTimeout), options.ResponseTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        if (forSilo)
        {
            CheckSiloKeys(checks, options, redis);
        }
        else
        {
            checks.Time(nameof(options.GatewayListRefreshPeriod), options.GatewayListRefreshPeriod, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        }

        return checks.Result();
    }

    private static void CheckRedis(ConfigurationKeyChecks checks, KeycardClusterOptions options, bool redis)
    {
        var key = checks.Describe(nameof(options.RedisConnectionString));
        if (redis && string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            checks.Add($"{checks.Describe(nameof(options.Mode))} is Redis but {key} is not set: set the StackExchange.Redis connection string of the membership store, e.g. 'redis-host:6379'.");
        }
        else if (!redis && !string.IsNullOrWhiteSpace(options.RedisConnectionString) && Enum.IsDefined(options.Mode) && !checks.Unconvertible(nameof(options.Mode)))
        {
            checks.Add($"{key} is set but {checks.Describe(nameof(options.Mode))} is {options.Mode}: set the mode to Redis to use it, or remove it.");
        }
        else if (redis)
        {
            try
            {
                _ = ConfigurationOptions.Parse(options.RedisConnectionString!);
            }
            catch (ArgumentException ex)
            {
                // The value is not echoed: it may carry the Redis password.
                checks.Add($"{key} is not a StackExchange.Redis connection string ({ConfigurationKeyBinder.Quote(ex.Message, 200)}): use e.g. 'redis-host:6379' or 'redis-host:6379,password=...,ssl=true'.");
            }
        }
    }

    private static void CheckId(ConfigurationKeyChecks checks, string key, string? value) =>
        checks.Check(
            key,
            string.IsNullOrWhiteSpace(value) || value.Length > MaxIdLength || value.Any(char.IsControl),
            value ?? string.Empty,
            $"use 1 to {MaxIdLength} printable characters, the same on every silo and client of the cluster.");

    private static void CheckSiloKeys(ConfigurationKeyChecks checks, KeycardClusterOptions options, bool redis)
    {
        checks.Port(nameof(options.SiloPort), options.SiloPort);
        checks.Port(nameof(options.PrimarySiloPort), options.PrimarySiloPort);
        if (options.SiloPort == options.GatewayPort)
        {
            checks.Add($"{checks.Describe(nameof(options.SiloPort))} and {checks.Describe(nameof(options.GatewayPort))} are both {options.SiloPort}: use two different ports.");
        }

        if (redis && options.PrimarySiloPort is not null)
        {
            checks.Add($"{checks.Describe(nameof(options.PrimarySiloPort))} is set but {checks.Describe(nameof(options.Mode))} is Redis, where silos find each other in Redis: remove it.");
        }

        if (!string.IsNullOrWhiteSpace(options.AdvertisedIP))
        {
            var valid = ConfigurationKeyChecks.TryParseAddress(options.AdvertisedIP, out var address)
                && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.Broadcast);
            checks.Check(nameof(options.AdvertisedIP), !valid, options.AdvertisedIP, "use the IP address other silos and clients reach this silo on, e.g. 10.0.0.12.");
            if (valid && !redis)
            {
                checks.Add($"{checks.Describe(nameof(options.AdvertisedIP))} is set but {checks.Describe(nameof(options.Mode))} is Localhost, which always uses 127.0.0.1: remove it, or set the mode to Redis.");
            }
        }

        checks.Check(nameof(options.GrainDirectory), !Enum.IsDefined(options.GrainDirectory), options.GrainDirectory, "use Default or Distributed, the same on every silo.");
        checks.Time(nameof(options.ProbeTimeout), options.ProbeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        checks.Number(nameof(options.NumMissedProbesLimit), options.NumMissedProbesLimit, 1, 100);
        checks.Time(nameof(options.DeathVoteExpiration), options.DeathVoteExpiration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        checks.Time(nameof(options.TableRefreshTimeout), options.TableRefreshTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
    }
}
