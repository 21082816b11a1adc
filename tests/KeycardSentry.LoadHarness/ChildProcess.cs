using System.Diagnostics;
using System.Threading.Channels;
using KeycardSentry.Testing;

namespace KeycardSentry.LoadHarness;

/// <summary>A process this harness started: its output lines to wait for, its CPU time, killed with its tree on dispose.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _tail = [];

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public TimeSpan Cpu
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var child = new ChildProcess(name, new Process { StartInfo = info });
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data is null ? null : "[stderr] " + e.Data);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>The next output line that matches, within <paramref name="bound"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan bound)
    {
        using var deadline = new CancellationTokenSource(bound);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(deadline.Token).ConfigureAwait(false))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not print the expected line within {bound}. Last lines:\n{Tail()}");
        }

        throw new InvalidOperationException($"{Name} exited before the expected line. Last lines:\n{Tail()}");
    }

    public ValueTask DisposeAsync() => ChildProcesses.KillTreeAndDisposeAsync(_process, TimeSpan.FromSeconds(10));

    private string Tail()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_tail)
        {
            _tail.Add(line);
            if (_tail.Count > 30)
            {
                _tail.RemoveAt(0);
            }
        }

        _lines.Writer.TryWrite(line);
    }
}
