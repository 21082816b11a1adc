using System.Net;
using Polly;

namespace KeycardSentry.Internal;

/// <summary>
/// Retries an API's 429 answers with the <see cref="RateLimitRetry"/> pipeline. The pipeline is entered only once an
/// answer is a 429, starting from that answer as its first outcome: a call that is not rate limited pays one status
/// check, not a resilience pipeline (measured: the pipeline on every call cost about a tenth of a whole typed call
/// over loopback). Sits inside the Keycard token handler, so a retry carries the same bearer token.
/// </summary>
internal sealed class RateLimitRetryHandler(ResiliencePipeline<HttpResponseMessage>? pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (pipeline is null || response.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return response;
        }

        var attempts = new Attempts(this, request, response);
        return await pipeline.ExecuteAsync(static (state, token) => state.NextAsync(token), attempts, cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendAgainAsync(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);

    /// <summary>The pipeline's attempts: the first is the 429 already in hand, the next ones send the request again.</summary>
    private sealed class Attempts(RateLimitRetryHandler handler, HttpRequestMessage request, HttpResponseMessage first)
    {
        private HttpResponseMessage? _first = first;

        public ValueTask<HttpResponseMessage> NextAsync(CancellationToken cancellationToken) =>
            Interlocked.Exchange(ref _first, null) is { } answered
                ? new ValueTask<HttpResponseMessage>(answered)
                : new ValueTask<HttpResponseMessage>(handler.SendAgainAsync(request, cancellationToken));
    }
}
