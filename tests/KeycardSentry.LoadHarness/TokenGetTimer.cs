using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.LoadHarness;

/// <summary>Latencies in milliseconds, recorded from many threads into a fixed array (the rest are dropped, and counted).</summary>
internal sealed class LatencyRecorder(int capacity)
{
    private readonly double[] _values = new double[capacity];
    private int _count;

    public int Dropped => Math.Max(0, Volatile.Read(ref _count) - _values.Length);

    public void Record(double milliseconds)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        if (index < _values.Length)
        {
            _values[index] = milliseconds;
        }
    }

    public void Reset() => Volatile.Write(ref _count, 0);

    public double[] Sorted() => [.. _values.AsSpan(0, Math.Min(Volatile.Read(ref _count), _values.Length)).ToArray().Order()];
}

/// <summary>
/// Wraps an app's <see cref="IKeycardTokenProvider"/> to time each token get the Sentry handler makes (what the token
/// path costs a call, whatever the cache mode), into a <see cref="LatencyRecorder"/>.
/// </summary>
internal sealed class TokenGetTimer(IKeycardTokenProvider inner, LatencyRecorder recorder) : IKeycardTokenProvider
{
    public async ValueTask<KeycardToken> GetTokenAsync(KeycardTokenRequest request, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.GetTokenAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            recorder.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    public ValueTask InvalidateAsync(KeycardTokenRequest request, string fingerprint, CancellationToken cancellationToken = default) =>
        inner.InvalidateAsync(request, fingerprint, cancellationToken);

    /// <summary>Replaces the registered provider with a timed one around it.</summary>
    public static void Decorate(IServiceCollection services, LatencyRecorder recorder)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IKeycardTokenProvider));
        services.Remove(registered);
        services.AddSingleton<IKeycardTokenProvider>(sp => new TokenGetTimer(
            registered.ImplementationInstance as IKeycardTokenProvider
                ?? (IKeycardTokenProvider?)registered.ImplementationFactory?.Invoke(sp)
                ?? (IKeycardTokenProvider)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
            recorder));
    }
}
