using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// <c>Cluster:GrainDirectory</c>: <c>Default</c> keeps Orleans' built-in directory, <c>Distributed</c> adds Orleans'
/// <c>AddDistributedGrainDirectory()</c> to the silo; anything else stops the start naming the key. A client ignores
/// the key (silos and clients may share a configuration). Which one the multi-process SIGKILL test measured better is the
/// default (README, "Reliability").
/// </summary>
public sealed class GrainDirectoryOptionTests
{
    [Fact]
    public void Unset_IsDefault_AndAddsNoDistributedDirectory()
    {
        var (host, services) = BuildSilo([]);
        using (host)
        {
            Assert.Equal(KeycardGrainDirectory.Default, host.Services.GetRequiredService<IOptions<KeycardClusterOptions>>().Value.GrainDirectory);
            Assert.DoesNotContain(services, IsDistributedDirectory);
            Assert.Empty(StartupConfigurationErrors.Validate(host.Services));
        }
    }

    [Theory]
    [InlineData("Distributed")]
    [InlineData("distributed")]
    public void Distributed_AddsOrleansDistributedGrainDirectory(string value)
    {
        var (host, services) = BuildSilo(new() { ["Cluster:GrainDirectory"] = value });
        using (host)
        {
            Assert.Equal(KeycardGrainDirectory.Distributed, host.Services.GetRequiredService<IOptions<KeycardClusterOptions>>().Value.GrainDirectory);
            Assert.Contains(services, IsDistributedDirectory);
            Assert.Empty(StartupConfigurationErrors.Validate(host.Services));
        }
    }

    [Theory]
    [InlineData("Redis")]
    [InlineData("7")]
    public void OtherValues_OneErrorNamingTheKeyAndTheChoices(string value)
    {
        var (host, services) = BuildSilo(new() { ["Cluster:GrainDirectory"] = value });
        using (host)
        {
            var error = Assert.Single(StartupConfigurationErrors.Validate(host.Services));
            Assert.Contains("Cluster:GrainDirectory (Cluster__GrainDirectory)", error, StringComparison.Ordinal);
            Assert.Contains("use Default or Distributed", error, StringComparison.Ordinal);
            Assert.DoesNotContain(services, IsDistributedDirectory);
        }
    }

    [Fact]
    public void Client_IgnoresTheSiloKey()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:GrainDirectory"] = "Distributed" });
        builder.UseOrleansClient(client => client.UseKeycardCluster(builder.Configuration));
        using var host = builder.Build();

        Assert.Empty(StartupConfigurationErrors.Validate(host.Services));
    }

    private static bool IsDistributedDirectory(ServiceDescriptor descriptor) =>
        descriptor.ServiceType.Name == "DistributedGrainDirectory" || descriptor.ImplementationType?.Name == "DistributedGrainDirectory";

    private static (IHost Host, List<ServiceDescriptor> Services) BuildSilo(Dictionary<string, string?> values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(values);
        builder.UseOrleans(silo => silo.UseKeycardCluster(builder.Configuration));
        List<ServiceDescriptor> services = [.. builder.Services];
        return (builder.Build(), services);
    }
}
