using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// Sentry's per-user, per-endpoint fixed windows on the zone's clock, and its concurrent-request count: what the
/// <c>X-Sentry-Rate-Limit-*</c> headers say, and whether a request is over the limit.
/// </summary>
internal sealed class RateLimitCounter(int limit, TimeSpan window, int concurrentLimit, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Counts a request of <paramref name="caller"/> (user or, unauthenticated, a fixed key) to an operation.</summary>
    public Usage Count(string caller, string operation)
    {
        var key = caller + "\n" + operation;
        var now = time.GetUtcNow();
        var index = now.UtcTicks / window.Ticks;
        var current = _windows.GetOrAdd(key, _ => new Window());
        int used;
        lock (current)
        {
            if (current.Index != index)
            {
                (current.Index, current.Count) = (index, 0);
            }

            used = ++current.Count;
        }

        var reset = new DateTimeOffset((index + 1) * window.Ticks, TimeSpan.Zero);
        var concurrent = _inFlight.AddOrUpdate(key, 1, (_, n) => n + 1);
        return new Usage(this, key, used, concurrent, reset);
    }

    private int Limit => limit;

    private int ConcurrentLimit => concurrentLimit;

    private void Leave(string key) => _inFlight.AddOrUpdate(key, 0, (_, n) => Math.Max(0, n - 1));

    private sealed class Window
    {
        public long Index { get; set; } = -1;

        public int Count { get; set; }
    }

    /// <summary>One request's place in its window; dispose it when the answer is sent.</summary>
    public sealed class Usage(RateLimitCounter owner, string key, int used, int concurrent, DateTimeOffset reset) : IDisposable
    {
        private int _left;

        public bool IsOverLimit => used > owner.Limit;

        public DateTimeOffset Reset => reset;

        public void WriteHeaders(IHeaderDictionary headers, bool refused)
        {
            headers["X-Sentry-Rate-Limit-Limit"] = Text(owner.Limit);
            headers["X-Sentry-Rate-Limit-Remaining"] = Text(refused ? 0 : Math.Max(0, owner.Limit - used));
            headers["X-Sentry-Rate-Limit-Reset"] = Text(reset.ToUnixTimeSeconds() + (reset.UtcTicks % TimeSpan.TicksPerSecond == 0 ? 0 : 1));
            headers["X-Sentry-Rate-Limit-ConcurrentLimit"] = Text(owner.ConcurrentLimit);
            headers["X-Sentry-Rate-Limit-ConcurrentRemaining"] = Text(Math.Max(0, owner.ConcurrentLimit - concurrent));
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                owner.Leave(key);
            }
        }

        private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
