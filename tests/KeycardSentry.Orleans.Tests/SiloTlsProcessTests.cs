using System.Text.Json;
using System.Text.Json.Nodes;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>The built silo and load client as processes: TLS configuration errors, and a TLS cluster used for real.</summary>
[Collection(ChildProcessCollection.Name)]
public sealed class SiloTlsProcessTests
{
    private const string Password = "process-test-pfx-password";
    // Upper bounds only (a passing run takes seconds): generous, since a loaded 2-core machine can stall a fresh process for long.
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Silo_MissingCertificateFile_ExitsWithCode2_NamingTheKey()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "cluster.pfx");
        await using var silo = SiloProcess.Start(new()
        {
            ["Cluster__Tls__CertificatePath"] = missing,
            ["Cluster__Tls__CertificatePassword"] = Password,
        });

        Assert.Equal(2, await silo.WaitForExitAsync(Bound, Ct));
        var error = Assert.Single(silo.Lines, l => l.Contains("configuration error", StringComparison.Ordinal));
        Assert.Contains("Cluster:Tls:CertificatePath (Cluster__Tls__CertificatePath)", error, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.Lines, l => l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Silo_WrongPassword_ExitsWithCode2_WithoutPrintingIt()
    {
        using var certificates = new TestCertificates();
        var (path, _) = certificates.Create("silo", Password);
        const string wrong = "not-the-pfx-password";
        await using var silo = SiloProcess.Start(new()
        {
            ["Cluster__Tls__CertificatePath"] = path,
            ["Cluster__Tls__CertificatePassword"] = wrong,
        });

        Assert.Equal(2, await silo.WaitForExitAsync(Bound, Ct));
        Assert.Contains(silo.Lines, l => l.Contains("Cluster:Tls:CertificatePassword", StringComparison.Ordinal));
        Assert.DoesNotContain(silo.Lines, l => l.Contains(wrong, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TlsSilo_ServesTlsLoadClient_AndRefusesAPlainOne()
    {
        using var certificates = new TestCertificates();
        var (siloPath, siloThumbprint) = certificates.Create("silo", Password);
        var (clientPath, clientThumbprint) = certificates.Create("client", Password, serverAuth: false);
        await using var zone = await LocalKeycardZone.StartAsync();
        var users = Enumerable.Range(0, 5).ToDictionary(i => $"tls-proc-user{i}", i => zone.MintSubjectToken($"tls-proc-user{i}"));
        var usersFile = Path.Combine(certificates.Folder, "users.json");
        await File.WriteAllTextAsync(usersFile, JsonSerializer.Serialize(users), Ct);
        var gatewayPort = MultiProcessClusterTests.FreePort().ToString();
        var clusterId = "tls-" + Guid.NewGuid().ToString("N")[..8];

        await using var silo = SiloProcess.Start(new()
        {
            ["Cluster__SiloPort"] = MultiProcessClusterTests.FreePort().ToString(),
            ["Cluster__GatewayPort"] = gatewayPort,
            ["Cluster__ClusterId"] = clusterId,
            ["Cluster__Tls__CertificatePath"] = siloPath,
            ["Cluster__Tls__CertificatePassword"] = Password,
            ["Cluster__Tls__TrustedThumbprints"] = $"{siloThumbprint},{clientThumbprint}",

            // A loaded CI machine can take longer than the 10 s default for a first handshake in a fresh process.
            ["Cluster__Tls__HandshakeTimeout"] = "00:02:00",
            ["Keycard__ZoneUrl"] = zone.ZoneUrl.ToString(),
            ["Keycard__ClientId"] = zone.ClientId,
            ["Keycard__ClientSecret"] = zone.ClientSecret,
            ["Keycard__SubjectAudience"] = zone.SubjectAudience,
        });
        await silo.WaitForLineAsync(l => l.StartsWith("KeycardSentry silo HTTP:", StringComparison.Ordinal), Bound, cancellationToken: Ct);
        Assert.Contains(silo.Lines, l => l.StartsWith("KeycardSentry silo started:", StringComparison.Ordinal) && l.Contains("cluster TLS on", StringComparison.Ordinal));
        Assert.Contains(silo.Lines, l => l.Contains("pinned to 2 SHA-256 thumbprint(s)", StringComparison.Ordinal));
        Assert.DoesNotContain(silo.Lines, l => l.Contains(Password, StringComparison.Ordinal));

        var client = new Dictionary<string, string>
        {
            ["Cluster__Mode"] = "Localhost",
            ["Cluster__GatewayPort"] = gatewayPort,
            ["Cluster__ClusterId"] = clusterId,
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        await using (var tlsClient = ChildProcess.Start("tls-client", "dotnet", [MultiProcessClusterTests.BuildOutput("LoadClientDll"), "--users", usersFile, "--calls", "2"], new Dictionary<string, string>(client)
        {
            ["Cluster__Tls__CertificatePath"] = clientPath,
            ["Cluster__Tls__CertificatePassword"] = Password,
            ["Cluster__Tls__TrustedThumbprints"] = siloThumbprint,
            ["Cluster__Tls__HandshakeTimeout"] = "00:02:00",
        }))
        {
            string summary;
            try
            {
                (summary, _) = await tlsClient.WaitForLineAsync(l => l.Contains("\"summary\":true", StringComparison.Ordinal), Bound, cancellationToken: Ct);
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                throw new InvalidOperationException($"{ex.Message}\nSilo output:\n{silo.Tail(80)}", ex);
            }

            Assert.Equal(0, await tlsClient.WaitForExitAsync(Bound, Ct));
            var json = JsonNode.Parse(summary)!;
            Assert.Equal(users.Count * 2, json["successes"]!.GetValue<int>());
            Assert.Equal(0, json["failures"]!.GetValue<int>());
            Assert.Contains(tlsClient.Lines, l => l.Contains("cluster TLS on", StringComparison.Ordinal));
        }

        Assert.All(users.Keys, u => Assert.Equal(1, zone.ExchangeCount(u)));

        // Same gateway, no TLS: the client cannot start, and asks the zone for nothing.
        await using var plainClient = ChildProcess.Start("plain-client", "dotnet", [MultiProcessClusterTests.BuildOutput("LoadClientDll"), "--users", usersFile, "--calls", "1", "--connect-attempts", "1"], client);
        Assert.Equal(3, await plainClient.WaitForExitAsync(Bound, Ct));
        Assert.Contains(plainClient.Lines, l => l.Contains("cannot connect to the cluster", StringComparison.Ordinal));
        Assert.DoesNotContain(plainClient.Lines, l => l.Contains("\"summary\":true", StringComparison.Ordinal));
        Assert.Equal(users.Count, zone.TotalExchanges);
        TestContext.Current.TestOutputHelper?.WriteLine($"plain client: {plainClient.Tail(5)}");

        silo.Signal(15);
        Assert.Equal(0, await silo.WaitForExitAsync(Bound, Ct));
    }
}
