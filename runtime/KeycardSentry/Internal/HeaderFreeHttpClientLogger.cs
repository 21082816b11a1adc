using System.Diagnostics;
using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;

namespace KeycardSentry.Internal;

/// <summary>
/// Replaces IHttpClientFactory's default loggers on the runtime's clients. Those log request headers at Trace level
/// and, although the message text honours RedactLoggedHeaders, the structured state still carries the raw values
/// (seen with Microsoft.Extensions.Http 10.0.15: a bearer token and the Basic credentials reached a structured sink).
/// This one logs method, path, status and duration only. An API client's token handler calls it directly around each
/// send (<see cref="Start"/>, <see cref="Stop"/>, <see cref="Failed"/>): the same lines without a handler of their own.
/// </summary>
internal sealed partial class HeaderFreeHttpClientLogger(ILogger logger) : IHttpClientLogger
{
    public object? LogRequestStart(HttpRequestMessage request)
    {
        // Checked first: the URL string is only built for a line that is written.
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogStart(logger, request.Method.Method, PathOf(request));
        }

        return null;
    }

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogStop(logger, request.Method.Method, PathOf(request), (int)response.StatusCode, elapsed.TotalMilliseconds);
        }
    }

    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed) =>
        LogFailed(logger, request.Method.Method, PathOf(request), exception.GetType().Name, elapsed.TotalMilliseconds);

    /// <summary>Before a send: a start timestamp when the lines are written, else 0 (and nothing else is done).</summary>
    public long Start(HttpRequestMessage request)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return 0;
        }

        LogStart(logger, request.Method.Method, PathOf(request));
        return Stopwatch.GetTimestamp();
    }

    /// <summary>After a send that answered; <paramref name="started"/> is what <see cref="Start"/> returned.</summary>
    public void Stop(long started, HttpRequestMessage request, HttpResponseMessage response)
    {
        if (started != 0)
        {
            LogStop(logger, request.Method.Method, PathOf(request), (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>After a send that threw; <paramref name="started"/> is what <see cref="Start"/> returned.</summary>
    public void Failed(long started, HttpRequestMessage request, Exception exception)
    {
        if (started != 0)
        {
            LogFailed(logger, request.Method.Method, PathOf(request), exception.GetType().Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    // Scheme, host and path only: no query string, no user info.
    private static string PathOf(HttpRequestMessage request) =>
        request.RequestUri is { IsAbsoluteUri: true } uri ? uri.GetLeftPart(UriPartial.Path) : request.RequestUri?.OriginalString ?? string.Empty;

    [LoggerMessage(100, LogLevel.Debug, "HTTP {Method} {Url} started.")]
    private static partial void LogStart(ILogger logger, string method, string url);

    [LoggerMessage(101, LogLevel.Debug, "HTTP {Method} {Url} answered {StatusCode} in {ElapsedMilliseconds:0.0} ms.")]
    private static partial void LogStop(ILogger logger, string method, string url, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(102, LogLevel.Debug, "HTTP {Method} {Url} failed with {ExceptionType} after {ElapsedMilliseconds:0.0} ms.")]
    private static partial void LogFailed(ILogger logger, string method, string url, string exceptionType, double elapsedMilliseconds);
}
