using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Testing;

/// <summary>A <see cref="FakeTimeProvider"/> that lets a test wait until someone has started a timer of a given due time (e.g. Polly's retry delay) before it advances the clock.</summary>
public sealed class ObservableTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<(TimeSpan DueTime, TaskCompletionSource Signal)> _waiters = new();
    private readonly ConcurrentQueue<TimeSpan> _started = new();

    /// <summary>Starts at 2026-08-01 12:00 UTC.</summary>
    public ObservableTimeProvider()
        : base(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>The due times of every timer started so far, in order.</summary>
    public IReadOnlyCollection<TimeSpan> StartedTimers => [.. _started];

    /// <summary>Completes once a timer with exactly <paramref name="dueTime"/> has been started (at once if one was).</summary>
    public Task WhenTimerStartedAsync(TimeSpan dueTime)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((dueTime, signal));
        if (_started.Contains(dueTime))
        {
            signal.TrySetResult();
        }

        return signal.Task;
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _started.Enqueue(dueTime);
        foreach (var (due, signal) in _waiters)
        {
            if (due == dueTime)
            {
                signal.TrySetResult();
            }
        }

        return timer;
    }
}
