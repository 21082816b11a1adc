using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using KeycardSentry.Testing;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>A child process whose output lines the test can wait for; killed (with its tree) on dispose, whatever happened.</summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ChildProcess(Process process) => _process = process;

    public string Name { get; private init; } = string.Empty;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Lines => [.. _lines];

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process) { Name = name };
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data is null ? null : "[stderr] " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits (bounded) for an output line matching <paramref name="match"/> among lines after index <paramref name="from"/>.</summary>
    public async Task<(string Line, int Index)> WaitForLineAsync(Func<string, bool> match, TimeSpan bound, int from = 0, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(bound);
        while (true)
        {
            var lines = Lines;
            for (var i = from; i < lines.Count; i++)
            {
                if (match(lines[i]))
                {
                    return (lines[i], i);
                }
            }

            if (_process.HasExited && Lines.Count == lines.Count)
            {
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before the expected line. Output:\n{Tail()}");
            }

            try
            {
                await _lineArrived.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} did not print the expected line within {bound}. Output:\n{Tail()}");
            }
        }
    }

    public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, signal);
        }
    }

    /// <summary>Kills the process outright (SIGKILL on Unix): no shutdown code runs, its sockets just close.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan bound, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(bound);
        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public string Tail(int count = 40) => string.Join('\n', Lines.TakeLast(count));

    public ValueTask DisposeAsync() => ChildProcesses.KillTreeAndDisposeAsync(_process, TimeSpan.FromSeconds(10));

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lineArrived.Release();
            return;
        }

        _lines.Enqueue(line);
        _lineArrived.Release();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
