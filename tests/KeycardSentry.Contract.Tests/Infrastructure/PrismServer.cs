using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KeycardSentry.Testing;

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// One Stoplight Prism mock server for the whole test run (an assembly fixture), started on first use on a free
/// 127.0.0.1 port with Sentry's published document: <c>prism mock --errors -d --seed 1</c>, so a request that breaks
/// the contract is answered 4xx with an <c>sl-violations</c> header and every 2xx body is generated from the schema,
/// the same on every run. Killed, with its process tree, when the run ends.
/// </summary>
/// <remarks>
/// Needs <c>../shared/sentry/openapi.json</c> (else the tests skip, or fail under <c>KEYCARDSENTRY_REQUIRE_SHARED=1</c>)
/// and Prism installed by <c>npm ci --prefix tests/KeycardSentry.Contract.Tests/prism</c> with Node.js on the PATH (else
/// they skip, or fail under <c>KEYCARDSENTRY_REQUIRE_PRISM=1</c>, which CI sets).
/// </remarks>
public sealed class PrismServer : IAsyncDisposable
{
    /// <summary>The environment variable that makes a missing Prism a failure instead of a skip.</summary>
    public const string RequireVariable = "KEYCARDSENTRY_REQUIRE_PRISM";

    /// <summary>
    /// Set to a running Prism's base URL (started as <see cref="StartAsync"/> does, with the same document) to use it
    /// instead of starting one: saves Prism's start-up when running the tests again and again while developing.
    /// </summary>
    public const string UrlVariable = "KEYCARDSENTRY_PRISM_URL";

    /// <summary>The seed of Prism's generated responses.</summary>
    public const int Seed = 1;

    // Prism loads the 223-operation document in about 20 s on an idle machine; this bounds a hang, it is no timing claim.
    private static readonly TimeSpan StartBound = TimeSpan.FromMinutes(3);

    // Between readiness probes: each probe is one refused connection until Prism listens.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private Uri? _baseUrl;

    /// <summary>The folder holding Prism's package.json and lockfile.</summary>
    public static string PrismFolder => Path.Combine(RepositoryFiles.Root, "tests", "KeycardSentry.Contract.Tests", "prism");

    /// <summary>Sentry's published document, or a skip (a failure in CI) naming it.</summary>
    public static string SpecPath => SharedFiles.Require("sentry/openapi.json");

    /// <summary>Starts Prism once (later calls get the same server), or skips the test saying what to install.</summary>
    public async Task<Uri> StartAsync(CancellationToken cancellationToken)
    {
        var spec = SpecPath;
        if (Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } running)
        {
            return new Uri(running.TrimEnd('/'));
        }

        var script = Path.Combine(PrismFolder, "node_modules", "@stoplight", "prism-cli", "dist", "index.js");
        var install = $"run `npm ci --prefix tests/KeycardSentry.Contract.Tests/prism` (Node.js 20 or later; .ci/run does it)";
        if (!File.Exists(script))
        {
            SharedFiles.SkipOrFail(RequireVariable, $"Sentry's contract test needs Stoplight Prism, which is not installed ({script} is missing): {install}.");
        }

        if (FindOnPath("node") is not { } node)
        {
            SharedFiles.SkipOrFail(RequireVariable, $"Sentry's contract test runs Stoplight Prism with Node.js, and `node` is not on the PATH: install Node.js 20 or later, then {install}.");
            throw new UnreachableException();
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _baseUrl ??= await LaunchAsync(node, script, spec, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Uri> LaunchAsync(string node, string script, string spec, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = PrismFolder,
        };
        foreach (var arg in new[] { script, "mock", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--errors", "-d", "--seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), spec })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SCARF_ANALYTICS"] = "false"; // a dependency's install-time telemetry; nothing here may leave the machine
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data is null ? null : "[stderr] " + e.Data);
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        await WaitUntilAnsweringAsync(process, baseUrl, cancellationToken).ConfigureAwait(false);
        return baseUrl;
    }

    /// <summary>
    /// Polls Prism with a request until it answers (any HTTP status: an unknown path gets a 404 once the document is
    /// loaded), Prism exits, or <see cref="StartBound"/> passes. The bound only catches a hang; it is no timing claim.
    /// </summary>
    private async Task WaitUntilAnsweringAsync(Process process, Uri baseUrl, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartBound);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var probe = new Uri(baseUrl, "/keycardsentry-readiness-probe");
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"Prism exited with code {process.ExitCode} before answering:\n{Tail()}");
                }

                try
                {
                    using var response = await http.GetAsync(probe, deadline.Token).ConfigureAwait(false);
                    return;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet (connection refused): Prism is still loading the document.
                }

                await Task.Delay(PollInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Prism did not answer within {StartBound} (it loads the document in about 20 s on an idle machine):\n{Tail()}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        // Prism logs every request; keep the last lines for messages, not all of them.
        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>Prism's last output lines (for failure messages).</summary>
    public string Tail(int count = 40) => string.Join('\n', _output.TakeLast(count));

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            await ChildProcesses.KillTreeAndDisposeAsync(process, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
