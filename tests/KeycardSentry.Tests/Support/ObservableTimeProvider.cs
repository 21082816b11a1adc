using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Tests.Support;

/// <summary>A <see cref="FakeTimeProvider"/> that lets a test wait until someone has started a timer of a given due time (e.g. Polly's retry delay) before it advances the clock.</summary>
public sealed class ObservableTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<(TimeSpan DueTime, TaskCompletionSource Signal)> _waiters = new();
    private readonly ConcurrentQueue<TimeSpan> _started = new();

    public ObservableTimeProvider()
        : base(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public IReadOnlyCollection<TimeSpan> StartedTimers => [.. _started];

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
