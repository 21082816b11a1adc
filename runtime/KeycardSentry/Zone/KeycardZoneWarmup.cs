using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// Fetches the zone's metadata and keys when the host starts, so a wrong or unreachable zone shows up at once (in the log
/// and the health check) rather than at the first user's call. Failures are retried in the background with a growing
/// back-off (<see cref="KeycardOptions.FailureBackoff"/> doubling up to <see cref="KeycardOptions.MaxFailureBackoff"/>);
/// with <see cref="KeycardOptions.RequireZoneAtStart"/> the host does not start until the zone answered.
/// </summary>
internal sealed partial class KeycardZoneWarmup(
    KeycardMetadataProvider metadata,
    IOptions<KeycardOptions> options,
    TimeProvider time,
    ILogger<KeycardZoneWarmup> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RequireZoneAtStart)
        {
            try
            {
                await metadata.GetAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (KeycardExchangeException ex)
            {
                throw new InvalidOperationException(
                    $"Keycard:RequireZoneAtStart is true and the zone could not be read: {ex.Message} " +
                    "Fix Keycard:ZoneUrl or the network path, or set Keycard:RequireZoneAtStart=false to start anyway and retry in the background.",
                    ex);
            }
        }

        _loop = Task.Run(() => WarmUpAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task WarmUpAsync(CancellationToken stopping)
    {
        var policy = TokenPolicy.From(options.Value);
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await metadata.GetAsync(stopping).ConfigureAwait(false);
                return;
            }
            catch (KeycardExchangeException ex)
            {
                var wait = policy.Backoff(attempt);
                LogWarmupFailed(logger, attempt, wait, ex.Error);
                try
                {
                    await Task.Delay(wait, time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(20, LogLevel.Warning, "Reading the Keycard zone at start failed (attempt {Attempt}, {Error}); trying again in {Wait}. Calls fail with discovery_failed until it answers.")]
    private static partial void LogWarmupFailed(ILogger logger, int attempt, TimeSpan wait, string? error);
}
