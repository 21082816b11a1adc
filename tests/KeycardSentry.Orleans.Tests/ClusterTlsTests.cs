using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace KeycardSentry.Orleans.Tests;

/// <summary>Cluster TLS end to end: in-process silos and clients with self-signed certificates pinned by thumbprint.</summary>
public sealed class ClusterTlsTests
{
    private const string Password = "pfx-password-for-tests";

    // A refused client must fail fast: short connection and response timeouts, no connection retries, and this outer
    // bound as a backstop.
    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TlsCluster_TwoSilos_ClientGetsTokensThroughTheGrains_OneExchangePerUser()
    {
        using var certificates = new TestCertificates();
        var (siloPath, siloThumbprint) = certificates.Create("silo", Password);
        var (clientPath, clientThumbprint) = certificates.Create("client", Password, serverAuth: false);
        await using var zone = await LocalKeycardZone.StartAsync();

        // Silos trust each other and the client; the client trusts the silos only.
        await using var cluster = await TokenCluster.StartAsync(
            zone,
            silos: 2,
            siloTls: TestCertificates.Options(siloPath, Password, siloThumbprint, clientThumbprint),
            clientTls: TestCertificates.Options(clientPath, Password, siloThumbprint));

        var users = Enumerable.Range(0, 10).Select(i => $"tls-user{i}").ToArray();
        foreach (var user in users)
        {
            var subject = zone.MintSubjectToken(user);
            var first = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(subject), Ct);
            var second = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(subject), Ct);

            Assert.True(zone.TryResolveAccessToken(first.AccessToken, out var issued));
            Assert.Equal(user, issued.User);
            Assert.Equal(first.Fingerprint, second.Fingerprint);
        }

        Assert.All(users, u => Assert.Equal(1, zone.ExchangeCount(u)));
        Assert.Equal(users.Length, zone.TotalExchanges);

        // Both silos are active members: membership runs over silo-to-silo connections, so those handshakes passed too.
        var membership = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IClusterMembershipService>();
        Assert.Equal(2, membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
    }

    [Fact]
    public async Task OneAttemptClient_WithMatchingTls_Connects()
    {
        // The control for the refusals below: the same fail-fast client harness succeeds when TLS matches.
        using var certificates = new TestCertificates();
        var (siloPath, siloThumbprint) = certificates.Create("silo", Password);
        var options = TestCertificates.Options(siloPath, Password, siloThumbprint);

        var (failure, exchanges) = await ConnectOnceAndGetTokenAsync(options, options);

        Assert.Null(failure);
        Assert.Equal(1, exchanges);
    }

    [Fact]
    public async Task ClientWithoutTls_CannotUseTlsCluster()
    {
        using var certificates = new TestCertificates();
        var (siloPath, siloThumbprint) = certificates.Create("silo", Password);

        await ClientFailsAsync(TestCertificates.Options(siloPath, Password, siloThumbprint), clientTls: null);
    }

    [Fact]
    public async Task ClientWithCertificateTheSilosDoNotTrust_IsRefused()
    {
        using var certificates = new TestCertificates();
        var (siloPath, siloThumbprint) = certificates.Create("silo", Password);
        var (strangerPath, _) = certificates.Create("stranger", Password, serverAuth: false);

        // The client trusts the silo, but the silo pins only its own certificate: mutual TLS refuses the client.
        await ClientFailsAsync(TestCertificates.Options(siloPath, Password, siloThumbprint), TestCertificates.Options(strangerPath, Password, siloThumbprint));
    }

    [Fact]
    public async Task ClientWithDefaultChainValidation_RefusesSelfSignedSilo()
    {
        using var certificates = new TestCertificates();
        var (siloPath, siloThumbprint) = certificates.Create("silo", Password);

        // The silo would accept this client (same certificate, pinned), but without pins the client checks the chain:
        // a self-signed certificate chains to no trusted root, so the secure default refuses it.
        var clientTls = TestCertificates.Options(siloPath, Password);
        var applied = new KeycardClusterTlsOptions();
        clientTls(applied);
        Assert.Equal(KeycardClusterTlsValidation.CertificateChain, applied.RemoteValidation);
        await ClientFailsAsync(TestCertificates.Options(siloPath, Password, siloThumbprint), clientTls);
    }

    /// <summary>Asserts a client cannot connect to a one-silo TLS cluster and get a token, within a bound.</summary>
    private static async Task ClientFailsAsync(Action<KeycardClusterTlsOptions> siloTls, Action<KeycardClusterTlsOptions>? clientTls)
    {
        var (failure, exchanges) = await ConnectOnceAndGetTokenAsync(siloTls, clientTls);

        // Refused at the gateway (not our bound running out), and nothing reached a grain.
        Assert.IsType<ConnectionFailedException>(failure);
        Assert.Equal(0, exchanges);
    }

    /// <summary>Starts a one-silo TLS cluster; its client makes one connection attempt and asks for one token.</summary>
    private static async Task<(Exception? Failure, int Exchanges)> ConnectOnceAndGetTokenAsync(Action<KeycardClusterTlsOptions> siloTls, Action<KeycardClusterTlsOptions>? clientTls)
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(
            zone,
            silos: 1,
            siloTls: siloTls,
            clientTls: clientTls,
            configureClient: client =>
            {
                // Fail fast: short timeouts instead of the defaults, and one connection attempt (the test host retries).
                client.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = TimeSpan.FromSeconds(3));
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(3));
                client.Services.AddSingleton<IClientConnectionRetryFilter, NoRetry>();
            },
            connectClient: false);

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(RefusalBound);
        var started = DateTimeOffset.UtcNow;
        var failure = await Record.ExceptionAsync(async () =>
        {
            await cluster.Cluster.InitializeClientAsync(bound.Token);
            await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(zone.MintSubjectToken("intruder")), bound.Token);
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"done after {DateTimeOffset.UtcNow - started}: {failure?.GetType().Name}: {failure?.Message}");
        return (failure, zone.TotalExchanges);
    }

    private sealed class NoRetry : IClientConnectionRetryFilter
    {
        public Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"connection attempt failed: {exception.GetType().Name}: {exception.Message}");
            return Task.FromResult(false);
        }
    }
}
