using Refit;

namespace KeycardSentry;

/// <summary>
/// Refit settings for clients behind <see cref="KeycardTokenHandler"/>. Refit wraps every exception thrown while
/// sending in an <see cref="ApiRequestException"/>; with these settings the runtime's own exceptions
/// (<see cref="SentryScopeException"/>, <see cref="SentryAuthorizationException"/>, <see cref="KeycardExchangeException"/>,
/// <see cref="KeycardSubjectException"/>, and the missing-subject error) reach the caller unwrapped.
/// </summary>
public static class KeycardRefitSettings
{
    internal const string HandlerErrorMarker = "KeycardSentry.HandlerError";

    /// <summary>New <see cref="RefitSettings"/> with <see cref="Apply"/> applied.</summary>
    public static RefitSettings Create() => Apply(new RefitSettings());

    /// <summary>Makes <paramref name="settings"/> pass the runtime's exceptions through unwrapped; other exceptions go to the factory it had.</summary>
    public static RefitSettings Apply(RefitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var inner = settings.TransportExceptionFactory;
        settings.TransportExceptionFactory = (request, exception, cancellationToken) =>
            IsKeycardError(exception) ? exception : inner(request, exception, cancellationToken);
        return settings;
    }

    /// <summary>True for the exceptions the runtime throws on purpose.</summary>
    public static bool IsKeycardError(Exception exception) =>
        exception is SentryApiException or KeycardExchangeException or KeycardSubjectException
        || exception.Data.Contains(HandlerErrorMarker);
}
