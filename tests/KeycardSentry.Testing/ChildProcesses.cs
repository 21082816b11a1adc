using System.Diagnostics;

namespace KeycardSentry.Testing;

/// <summary>The one way the tests and harnesses end a child process they started (a silo, an app, Prism).</summary>
public static class ChildProcesses
{
    /// <summary>
    /// Kills <paramref name="process"/> and everything it started, waits at most <paramref name="bound"/> for it to
    /// exit, and disposes it. A process that is already gone is fine.
    /// </summary>
    public static async ValueTask KillTreeAndDisposeAsync(Process process, TimeSpan bound)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(bound).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
