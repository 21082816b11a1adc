namespace KeycardSentry.Testing;

/// <summary>
/// Holds requests at a local server until the test calls <see cref="Release"/>. Used for concurrency tests (every
/// caller is in flight at once) and time-out tests (a gate never released), without sleeping.
/// </summary>
public sealed class RequestGate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _arrived;

    /// <summary>How many requests have reached the gate so far.</summary>
    public int Arrived => Volatile.Read(ref _arrived);

    /// <summary>True once <see cref="Release"/> was called.</summary>
    public bool IsReleased => _open.Task.IsCompleted;

    /// <summary>Lets every held request (and every later one) through.</summary>
    public void Release() => _open.TrySetResult();

    /// <summary>Completes when at least <paramref name="count"/> requests have reached the gate.</summary>
    public Task WhenArrivedAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_arrived >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    internal async Task PassAsync(CancellationToken requestAborted)
    {
        lock (_lock)
        {
            _arrived++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_arrived >= _waiters[i].Count)
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }

        await _open.Task.WaitAsync(requestAborted).ConfigureAwait(false);
    }
}
