using System.Globalization;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace KeycardSentry.Internal;

/// <summary>
/// The 429 retry strategy for API clients: waits what Sentry asks (<c>Retry-After</c> as seconds or an HTTP date, else
/// <c>X-Sentry-Rate-Limit-Reset</c> as UTC epoch seconds), at most <see cref="SentryApiOptions.MaxRateLimitRetries"/>
/// times; a wait longer than <see cref="SentryApiOptions.MaxRateLimitDelay"/> is not retried, the 429 is returned.
/// </summary>
internal static class RateLimitRetry
{
    public const string PipelineName = "keycard-sentry-rate-limit";
    public const string ResetHeader = "X-Sentry-Rate-Limit-Reset";

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, SentryApiOptions options, TimeProvider timeProvider, ILogger logger)
    {
        builder.TimeProvider = timeProvider;
        if (options.MaxRateLimitRetries < 1)
        {
            return;
        }

        builder.AddRetry(new HttpRetryStrategyOptions
        {
            Name = "rate-limit",
            MaxRetryAttempts = options.MaxRateLimitRetries,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromSeconds(1),
            UseJitter = false,
            ShouldRetryAfterHeader = false,
            ShouldHandle = args =>
            {
                var response = args.Outcome.Result;
                if (response?.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    return ValueTask.FromResult(false);
                }

                var delay = RequestedDelay(response, timeProvider.GetUtcNow());
                return ValueTask.FromResult(delay is null || delay <= options.MaxRateLimitDelay);
            },
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Result is { } response ? RequestedDelay(response, timeProvider.GetUtcNow()) : null),
            OnRetry = args =>
            {
                Log.RateLimited(logger, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        });
    }

    /// <summary>The wait Sentry asked for, or null when it named none (the exponential back-off then applies).</summary>
    internal static TimeSpan? RequestedDelay(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - now;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }

        if (response.Headers.TryGetValues(ResetHeader, out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var epochSeconds))
        {
            var wait = DateTimeOffset.UnixEpoch.AddSeconds(epochSeconds) - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
