using System.Collections.Concurrent;
using Microsoft.Extensions.Http;

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// Records every request the generated clients send to Prism and Prism's verdict: the status and the
/// <c>sl-violations</c> header (Prism's list of contract rules the request or its own response broke). It is every
/// client's innermost handler (an <see cref="IHttpMessageHandlerBuilderFilter"/> adds it last, next to the primary
/// handler whatever that is), so it sees the requests as sent, after the Keycard handler. Exchanges go to the call
/// that is current in the async flow (<see cref="Begin"/>): the resilience handler
/// sends a copy of the request, without Refit's options, so the request itself cannot say which method sent it.
/// </summary>
internal sealed class ExchangeRecorder(Uri prism)
{
    private readonly AsyncLocal<Call?> _current = new();
    private readonly Uri _prism = prism;

    /// <summary>
    /// Collects the exchanges of the calls made in this async flow from now on; with <paramref name="staticResponse"/>
    /// they ask Prism for the document's example (<c>Prefer: dynamic=false</c>) instead of a generated body.
    /// </summary>
    public ConcurrentQueue<RecordedExchange> Begin(bool staticResponse) => (_current.Value = new Call(new ConcurrentQueue<RecordedExchange>(), staticResponse)).Exchanges;

    private sealed record Call(ConcurrentQueue<RecordedExchange> Exchanges, bool StaticResponse);

    /// <summary>A filter for the app's services: every named client gets the recording handler as its innermost handler.</summary>
    public IHttpMessageHandlerBuilderFilter Filter() => new InnermostFilter(this);

    private sealed class InnermostFilter(ExchangeRecorder recorder) : IHttpMessageHandlerBuilderFilter
    {
        public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
        {
            next(builder);
            builder.AdditionalHandlers.Add(new Handler(recorder));
        };
    }

    private sealed class Handler(ExchangeRecorder recorder) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is not { } uri || Uri.Compare(uri, recorder._prism, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false); // the Keycard zone's exchanges: not part of Sentry's contract
            }

            var call = recorder._current.Value;
            if (call is { StaticResponse: true })
            {
                request.Headers.TryAddWithoutValidation("Prefer", "dynamic=false");
            }

            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var violations = response.Headers.TryGetValues("sl-violations", out var values) ? string.Join(" ", values) : null;
            var body = (int)response.StatusCode >= 400 && response.Content is { } content ? await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false) : null;
            call?.Exchanges.Enqueue(new RecordedExchange(request.Method.Method, uri.PathAndQuery, (int)response.StatusCode, violations, body));
            return response;
        }
    }
}

/// <summary>One request and Prism's answer (the body only for errors, to name what broke).</summary>
internal sealed record RecordedExchange(string Method, string PathAndQuery, int Status, string? Violations, string? ErrorBody)
{
    public override string ToString() =>
        $"{Method} {PathAndQuery} -> {Status}{(Violations is null ? string.Empty : " sl-violations: " + Violations)}{(ErrorBody is { Length: > 0 } b ? " body: " + (b.Length > 600 ? b[..600] + "..." : b) : string.Empty)}";
}
