namespace KeycardSentry.Internal;

/// <summary>
/// Lets one log line through per interval and counts the rest, so a flood of forged tokens costs one warning per
/// interval (with the number suppressed), not one per forgery. Thread-safe; time from the injected clock.
/// </summary>
internal sealed class LogLimiter(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private int _suppressed;

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> is how many were held back since the last one.</summary>
    public bool TryEnter(out int suppressed)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (now < _next)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _next = now + interval;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
