using KeycardSentry.Internal;
using KeycardSentry.Orleans.Internal;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// A user grain that Orleans deactivates while its user is active (its directory changed under it, a duplicate was
/// resolved) hands its tokens to its next activation in the same silo: no second extra exchange.
/// </summary>
public sealed class TokenHandoffTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AGrainDeactivatedByTheRuntime_ItsNextActivationServesTheSameToken_NoExchange()
    {
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var cluster = await TokenCluster.StartAsync(zone, silos: 1);
        var subject = zone.MintSubjectToken("alice");
        var first = await cluster.ClientProvider.GetTokenAsync(KeycardWiring.Request(subject), Ct);

        // Deactivated for a reason other than idleness (here: asked to, as Orleans' own management extension does).
        var grain = cluster.Cluster.Client.GetGrain<IUserTokenGrain>(GrainKeys.ForSubjectToken(subject));
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        await Eventually.ReturnsAsync(() => Task.FromResult(Handoff(cluster).Count), count => count == 1, Ct);

        var again = await grain.GetTokenAsync(GrainKeys.Request(subject));
        Assert.Equal(first.Fingerprint, again.Fingerprint);
        Assert.Equal(1, zone.TotalExchanges);
        Assert.Equal(0, Handoff(cluster).Count);
    }

    [Fact]
    public void OnlyADeactivationTheUserDidNotCause_HandsOver()
    {
        Assert.False(TokenTableHandoff.HandsOver(DeactivationReasonCode.ActivationIdle));
        Assert.False(TokenTableHandoff.HandsOver(DeactivationReasonCode.HighMemoryPressure));
        Assert.False(TokenTableHandoff.HandsOver(DeactivationReasonCode.ShuttingDown));
        Assert.True(TokenTableHandoff.HandsOver(DeactivationReasonCode.DirectoryFailure));
        Assert.True(TokenTableHandoff.HandsOver(DeactivationReasonCode.DuplicateActivation));
        Assert.True(TokenTableHandoff.HandsOver(DeactivationReasonCode.ApplicationRequested));
    }

    [Fact]
    public void ATable_IsTakenOnce_ByTheSameKeyOnly_WithinTheWindow()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var handoff = new TokenTableHandoff(time);
        var policy = TokenPolicy.From(new KeycardOptions());
        var table = new TokenTable(policy, time, opaqueBinding: false);

        handoff.Leave("jwt:alice", table);
        Assert.Null(handoff.Take("jwt:bob"));
        Assert.Same(table, handoff.Take("jwt:alice"));
        Assert.Null(handoff.Take("jwt:alice"));

        handoff.Leave("jwt:alice", table);
        time.Advance(TokenTableHandoff.Window);
        Assert.Null(handoff.Take("jwt:alice"));
        Assert.Equal(0, handoff.Count);
    }

    private static TokenTableHandoff Handoff(TokenCluster cluster) =>
        cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<TokenTableHandoff>();
}
