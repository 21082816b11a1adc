using System.Collections.Concurrent;

namespace KeycardSentry.Contract.Tests.Infrastructure;

/// <summary>
/// Records every request the generated clients send to Prism and Prism's verdict: the status and the
/// <c>sl-violations</c> header (Prism's list of contract rules the request or its own response broke). It is every
/// client's primary handler (<c>ConfigureHttpClientDefaults</c>), so it sees the requests as sent, after the Keycard
/// handler. Exchanges go to the call that is current in the async flow (<see cref="Begin"/>): the resilience handler
/// sends a copy of the request, without Refit's options, so the request itself cannot say which method sent it.
/// </summary>
internal sealed class ExchangeRecorder
{
    private readonly AsyncLocal<ConcurrentQueue<RecordedExchange>?> _current = new();

    /// <summary>Collects the exchanges of the calls made in this async flow from now on.</summary>
    public ConcurrentQueue<RecordedExchange> Begin() => _current.Value = new ConcurrentQueue<RecordedExchange>();

    /// <summary>A primary handler: records, then sends on a new <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler CreateHandler() => new Handler(this) { InnerHandler = new SocketsHttpHandler() };

    private sealed class Handler(ExchangeRecorder recorder) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var violations = response.Headers.TryGetValues("sl-violations", out var values) ? string.Join(" ", values) : null;
            var body = (int)response.StatusCode >= 400 && response.Content is { } content ? await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false) : null;
            recorder._current.Value?.Enqueue(new RecordedExchange(request.Method.Method, request.RequestUri?.PathAndQuery ?? "?", (int)response.StatusCode, violations, body));
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
