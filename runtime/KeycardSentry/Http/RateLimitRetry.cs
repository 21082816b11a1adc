using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace KeycardSentry.Internal;

/// <summary>
/// The 429 retry strategy of an API client: waits what the API asks (the profile reads the headers; absurd values are
/// ignored), else backs off exponentially from 1 s, at most <see cref="KeycardApiOptions.MaxRateLimitRetries"/> times;
/// a wait longer than <see cref="KeycardApiOptions.MaxRateLimitDelay"/> is not retried, the 429 is returned.
/// </summary>
internal static class RateLimitRetry
{
    /// <summary>The retry pipeline for one API's options (on the injected clock), or null when retries are off.</summary>
    public static ResiliencePipeline<HttpResponseMessage>? Build(KeycardApiOptions options, KeycardApiProfile profile, TimeProvider timeProvider, ILogger logger)
    {
        if (options.MaxRateLimitRetries < 1)
        {
            return null;
        }

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        Configure(builder, options, profile, timeProvider, logger);
        return builder.Build();
    }

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, KeycardApiOptions options, KeycardApiProfile profile, TimeProvider timeProvider, ILogger logger)
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
            MaxDelay = options.MaxRateLimitDelay > TimeSpan.Zero ? options.MaxRateLimitDelay : TimeSpan.FromSeconds(1),
            UseJitter = false,
            ShouldRetryAfterHeader = false,
            ShouldHandle = args =>
            {
                var response = args.Outcome.Result;
                if (response?.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    return ValueTask.FromResult(false);
                }

                var delay = profile.RequestedRetryDelay(response, timeProvider.GetUtcNow());
                return ValueTask.FromResult(delay is null || delay <= options.MaxRateLimitDelay);
            },
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Result is { } response ? profile.RequestedRetryDelay(response, timeProvider.GetUtcNow()) : null),
            OnRetry = args =>
            {
                Log.RateLimited(logger, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        });
    }
}
