using System.ComponentModel;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;

namespace KeycardSentry.AspNetCore;

/// <summary>
/// The subject of a call is, in order: the token of an enclosing <see cref="KeycardSubject.Use"/> (the explicit
/// override), else the bearer token of the current request once ASP.NET Core authentication has validated it
/// (<see cref="RequestBearerToken"/>). The request is found through <see cref="IHttpContextAccessor"/>, an
/// <see cref="AsyncLocal{T}"/>: this singleton keeps neither a context nor a token in a field.
/// </summary>
[Description(Description)]
internal sealed partial class HttpContextSubjectTokenAccessor : ISubjectTokenAccessor
{
    /// <summary>What the handler's missing-subject error says about this accessor (read from the [Description]).</summary>
    internal const string Description =
        "AddKeycardSubjectFromHttpContext() takes the bearer token of the current HTTP request once ASP.NET Core authentication has validated it. " +
        "There is none outside a request (e.g. in work handed to a queue: capture the token with GetKeycardSubjectToken() and KeycardSubject.Use), for a request that is not authenticated, " +
        "or for one authenticated by a scheme that is not a bearer token (e.g. a cookie): require authentication with a JwtBearer scheme " +
        "on the endpoint (e.g. RequireAuthorization()), or add other bearer schemes to KeycardHttpContextSubjectOptions.BearerSchemes";

    private readonly IHttpContextAccessor _http;
    private readonly BearerSchemes _schemes;
    private readonly ILogger _logger;

    public HttpContextSubjectTokenAccessor(IHttpContextAccessor http, BearerSchemes schemes, ILogger<HttpContextSubjectTokenAccessor> logger)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _schemes = schemes ?? throw new ArgumentNullException(nameof(schemes));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public string? GetSubjectToken()
    {
        if (KeycardSubject.Current is { } explicitSubject)
        {
            return explicitSubject;
        }

        var context = _http.HttpContext;
        if (context is null)
        {
            LogNoSubject(NoSubjectReason.OutsideRequest, null);
            return null;
        }

        var token = RequestBearerToken.Read(context, _schemes, out var reason);
        if (token is null)
        {
            LogNoSubject(reason, context);
        }

        return token;
    }

    private void LogNoSubject(NoSubjectReason reason, HttpContext? context)
    {
        if (!_logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var scheme = context?.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Ticket?.AuthenticationScheme;
        NoSubject(_logger, reason, scheme, string.Join(", ", _schemes.Names.Order(StringComparer.Ordinal)));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "No Keycard subject from the current request: {Reason} (authenticated by scheme '{Scheme}'; bearer schemes: {BearerSchemes})")]
    private static partial void NoSubject(ILogger logger, NoSubjectReason reason, string? scheme, string bearerSchemes);
}
