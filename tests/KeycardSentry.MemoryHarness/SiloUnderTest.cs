using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using KeycardSentry.Orleans;
using KeycardSentry.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.MemoryHarness;

/// <summary>
/// A fresh silo process (this program in <c>silo</c> mode) and, in this process, an Orleans client app connected to it
/// through its gateway: near cache off, validating subject tokens itself (it knows the zone) and calling the user grains.
/// </summary>
internal sealed class SiloUnderTest : IAsyncDisposable
{
    private const int Concurrency = 64;
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private IHost? _client;

    private SiloUnderTest(Process process) => _process = process;

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    public IKeycardTokenProvider Tokens => _client!.Services.GetRequiredService<IKeycardTokenProvider>();

    public static async Task<SiloUnderTest> StartAsync(LocalKeycardZone zone)
    {
        var clusterId = "mem-" + Guid.NewGuid().ToString("N")[..8];
        var gatewayPort = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(SiloUnderTest).Assembly.Location);
        info.ArgumentList.Add("silo");
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["Cluster__Mode"] = "Localhost",
            ["Cluster__ClusterId"] = clusterId,
            ["Cluster__SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Keycard__ZoneUrl"] = zone.Issuer,
            ["Keycard__ClientId"] = zone.ClientId,
            ["Keycard__ClientSecret"] = zone.ClientSecret,
            ["Keycard__SubjectAudience"] = zone.SubjectAudience,
            ["DOTNET_gcServer"] = "0",
            ["DOTNET_gcConcurrent"] = "0",
        })
        {
            info.Environment[key] = value;
        }

        var silo = new SiloUnderTest(Process.Start(info) ?? throw new InvalidOperationException("could not start the silo process"));
        try
        {
            silo._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    silo._lines.Writer.TryComplete();
                }
                else
                {
                    silo._lines.Writer.TryWrite(e.Data);
                }
            };
            silo._process.BeginOutputReadLine();
            await silo.ReadLineAsync(l => l == "ready");

            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:Mode"] = "Localhost",
                ["Cluster:ClusterId"] = clusterId,
                ["Cluster:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
                ["Keycard:ZoneUrl"] = zone.Issuer,
                ["Keycard:SubjectAudience"] = zone.SubjectAudience,
                ["Keycard:NearCache"] = "false",
            });
            builder.UseOrleansClient(client => client.UseKeycardCluster(builder.Configuration));
            builder.Services.AddKeycardOrleansTokenCache(builder.Configuration.GetSection("Keycard"));
            silo._client = builder.Build();
            await silo._client.StartAsync();
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="call"/> for 0..count-1, <see cref="Concurrency"/> at a time.</summary>
    public Task ForEachAsync(int count, Func<int, Task> call) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, _) => await call(i));

    /// <summary>The silo's live managed heap and working set, after a full compacting collection there.</summary>
    public async Task<(long Heap, long WorkingSet)> MeasureAsync()
    {
        await _process.StandardInput.WriteLineAsync("measure");
        var parts = (await ReadLineAsync(l => l.StartsWith("memory ", StringComparison.Ordinal))).Split(' ');
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        if (!_process.HasExited)
        {
            await _process.StandardInput.WriteLineAsync("stop");
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private async Task<string> ReadLineAsync(Func<string, bool> match)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await foreach (var line in _lines.Reader.ReadAllAsync(bound.Token))
        {
            if (match(line))
            {
                return line;
            }

            Console.Error.WriteLine("  silo: " + line);
        }

        throw new InvalidOperationException($"the silo process ended ({(_process.HasExited ? _process.ExitCode : -1)}) before the expected line");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
