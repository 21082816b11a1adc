using Refit;

namespace KeycardSentry;

/// <summary>
/// Refit settings for clients behind the Keycard token handler. Refit wraps every exception thrown while sending in an
/// <see cref="ApiRequestException"/>; with these settings the runtime's own exceptions (<see cref="KeycardApiException"/>
/// and its subclasses, <see cref="KeycardExchangeException"/>, <see cref="KeycardSubjectException"/>, and the
/// missing-subject error) reach the caller unwrapped, and booleans in paths and query strings are written
/// <c>true</c>/<c>false</c> as the API's schema spells them.
/// </summary>
public static class KeycardRefitSettings
{
    private const string HandlerErrorMarker = "KeycardSentry.HandlerError";

    /// <summary>New <see cref="RefitSettings"/> with <see cref="Apply"/> applied.</summary>
    public static RefitSettings Create() => Apply(new RefitSettings());

    /// <summary>
    /// Makes <paramref name="settings"/> pass the runtime's exceptions through unwrapped (other exceptions go to the
    /// factory it had) and write booleans in URLs as <c>true</c>/<c>false</c> (other values go to the formatter it had).
    /// </summary>
    public static RefitSettings Apply(RefitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var inner = settings.TransportExceptionFactory;
        settings.TransportExceptionFactory = (request, exception, cancellationToken) =>
            IsKeycardError(exception) ? exception : inner(request, exception, cancellationToken);
        if (settings.UrlParameterFormatter is not BooleanUrlParameterFormatter)
        {
            settings.UrlParameterFormatter = new BooleanUrlParameterFormatter(settings.UrlParameterFormatter);
        }

        return settings;
    }

    /// <summary>True for the exceptions the runtime throws on purpose.</summary>
    public static bool IsKeycardError(Exception exception) =>
        exception is KeycardApiException or KeycardExchangeException or KeycardSubjectException
        || exception.Data.Contains(HandlerErrorMarker);

    /// <summary>Marks an exception of the runtime's that has no type of its own, so it passes Refit unwrapped.</summary>
    internal static Exception Mark(Exception exception)
    {
        exception.Data[HandlerErrorMarker] = true;
        return exception;
    }
}
