using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using KeycardSentry.Orleans.Tests.Infrastructure;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// The README's first command, <c>dotnet run --project silo/KeycardSentry.Silo -- demo</c>, as a process (the built silo
/// dll with <c>demo</c>): it exits 0 with the per-user table (one exchange at Keycard per user), a call refused before
/// sending and one refused by Sentry's 403, uses only 127.0.0.1, and leaves no listening port and no process behind.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed partial class SiloDemoProcessTests
{
    // A bound against a hang, not a timing claim: the demo prints its own elapsed time.
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demo_RunsTheWholeFlowOffline_PrintsTheTable_AndLeavesNothingBehind()
    {
        var marker = "KEYCARDSENTRY_DEMO_TEST=" + Guid.NewGuid().ToString("N");
        var sockets = new List<(IPEndPoint Local, IPEndPoint Remote)>();
        int exitCode;
        IReadOnlyList<string> lines;
        await using (var demo = ChildProcess.Start("demo", "dotnet", [MultiProcessClusterTests.BuildOutput("SiloDll"), "demo"], new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            [marker.Split('=')[0]] = marker.Split('=')[1],
        }))
        {
            var exited = demo.WaitForExitAsync(Bound, Ct);
            while (!exited.IsCompleted && ProcessSockets.Supported)
            {
                sockets.AddRange(ProcessSockets.Of(demo.Id)); // sampled while it runs
                await Task.WhenAny(exited, Task.Delay(100, Ct));
            }

            exitCode = await exited;
            await demo.WaitForLineAsync(l => l.StartsWith("Stopped everything", StringComparison.Ordinal), Bound, cancellationToken: Ct); // output drained
            lines = demo.Lines;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', lines));
        Assert.True(exitCode == 0, $"demo exited {exitCode}:\n{string.Join('\n', lines)}");

        // The per-user table: every user needed exactly one exchange at Keycard, and the meters account for every call.
        foreach (var user in new[] { "alice", "bob", "carol", "dave" })
        {
            var row = Row(lines, user);
            Assert.Equal("1", row[4]); // exchanges at Keycard
            Assert.Equal(int.Parse(row[2]), int.Parse(row[5]) + int.Parse(row[6]) + int.Parse(row[7])); // near cache + grain + exchange = calls
        }

        Assert.Equal(["alice", "18", "18", "1", "15", "2", "1"], Row(lines, "alice").Where((_, i) => i != 1));
        Assert.Equal("1", Row(lines, "carol")[3]); // sent to Sentry: the refused call never left

        // The scopes table and both refusals.
        Assert.Contains(lines, l => l.Contains("GetOrganizationAsync", StringComparison.Ordinal) && l.TrimEnd().EndsWith("org:admin org:read org:write", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("refused before sending: carol ISentryProjectsApi.GetProjectAsync", StringComparison.Ordinal) && l.Contains("RefusedBeforeSending = true", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("refused by Sentry: dave", StringComparison.Ordinal) && l.Contains("StatusCode = 403", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("You do not have permission to perform this action.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("dotnet run --project silo/KeycardSentry.Silo", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("keycard-test-secret", StringComparison.Ordinal)); // the local zone's client secret
        Assert.DoesNotContain(lines, l => l.Contains("UNEXPECTED", StringComparison.Ordinal) || l.StartsWith("[stderr]", StringComparison.Ordinal));

        // Nothing listens on the ports it printed any more, and no process it started is left.
        var ports = Ports(lines);
        Assert.Equal(4, ports.Count);
        foreach (var port in ports)
        {
            using var client = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port, Ct).AsTask());
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        if (ProcessSockets.Supported)
        {
            Assert.Empty(ProcessSockets.WithEnvironmentMarker(marker));

            // Every socket seen while it ran was on loopback (listeners: loopback too, never every interface).
            Assert.NotEmpty(sockets);
            Assert.All(sockets, s =>
            {
                Assert.True(ProcessSockets.IsLoopback(s.Local.Address), $"socket on {s.Local}");
                Assert.True(ProcessSockets.IsAny(s.Remote.Address) || ProcessSockets.IsLoopback(s.Remote.Address), $"socket to {s.Remote}");
            });
        }
    }

    [Theory]
    [InlineData(2)] // SIGINT: Ctrl+C
    [InlineData(15)] // SIGTERM
    public async Task Demo_CancelledWhileStarting_StopsWhatItStarted_AndExits130(int signal)
    {
        await using var demo = ChildProcess.Start("demo", "dotnet", [MultiProcessClusterTests.BuildOutput("SiloDll"), "demo"], new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
        });

        // The zone is up; the stand-in, the silo, three apps and every call are still to come when the signal lands.
        var (zoneLine, _) = await demo.WaitForLineAsync(l => l.Contains("Keycard zone (local", StringComparison.Ordinal), Bound, cancellationToken: Ct);
        demo.Signal(signal);

        Assert.Equal(130, await demo.WaitForExitAsync(Bound, Ct));
        await demo.WaitForLineAsync(l => l.StartsWith("Stopped everything", StringComparison.Ordinal), Bound, cancellationToken: Ct);
        Assert.Contains("Demo cancelled.", demo.Lines);
        Assert.DoesNotContain(demo.Lines, l => l.StartsWith("Demo failed", StringComparison.Ordinal) || l.StartsWith("[stderr]", StringComparison.Ordinal));
        var zonePort = new Uri(zoneLine[zoneLine.IndexOf("http://", StringComparison.Ordinal)..].Trim()).Port;
        using var client = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, zonePort, Ct).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    /// <summary>A row of the per-user table, split on its column gaps.</summary>
    private static string[] Row(IReadOnlyList<string> lines, string user)
    {
        var row = lines.SkipWhile(l => !l.StartsWith("Per user", StringComparison.Ordinal)).FirstOrDefault(l => l.StartsWith($"  {user}  ", StringComparison.Ordinal));
        Assert.True(row is not null, $"no table row for {user}:\n{string.Join('\n', lines)}");
        return ColumnGap().Split(row.Trim());
    }

    private static List<int> Ports(IReadOnlyList<string> lines)
    {
        var line = lines.Single(l => l.StartsWith("Stopped everything", StringComparison.Ordinal));
        var match = PortsText().Match(line);
        Assert.True(match.Success, line);
        return [.. match.Groups[1].Value.Split(", ").Select(int.Parse)];
    }

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex ColumnGap();

    [GeneratedRegex(@"ports ([0-9, ]+) are released")]
    private static partial Regex PortsText();
}
