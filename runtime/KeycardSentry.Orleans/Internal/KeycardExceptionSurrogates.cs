using System.Net;

namespace KeycardSentry.Orleans.Internal;

// The runtime's exceptions carry no Orleans serializer attributes (that assembly knows nothing of Orleans), so they
// cross the wire as surrogates: a caller gets the same exception type, message and OAuth fields, and no server stack
// trace or inner exception (which might describe silo internals).

/// <summary>Wire form of <see cref="KeycardSubjectException"/>.</summary>
[GenerateSerializer, Immutable, Alias("KeycardSentry.KeycardSubjectException")]
internal readonly struct KeycardSubjectExceptionSurrogate(string message)
{
    [Id(0)]
    public string Message { get; } = message;
}

/// <summary>Converts <see cref="KeycardSubjectException"/> to and from its wire form.</summary>
[RegisterConverter]
internal sealed class KeycardSubjectExceptionConverter : IConverter<KeycardSubjectException, KeycardSubjectExceptionSurrogate>
{
    public KeycardSubjectException ConvertFromSurrogate(in KeycardSubjectExceptionSurrogate surrogate) => new(surrogate.Message);

    public KeycardSubjectExceptionSurrogate ConvertToSurrogate(in KeycardSubjectException value) => new(value.Message);
}

/// <summary>Wire form of <see cref="KeycardExchangeException"/>.</summary>
[GenerateSerializer, Immutable, Alias("KeycardSentry.KeycardExchangeException")]
internal readonly struct KeycardExchangeExceptionSurrogate(string message, int? statusCode, string? error, string? errorDescription, string? errorUri, bool isRetryable)
{
    [Id(0)]
    public string Message { get; } = message;

    [Id(1)]
    public int? StatusCode { get; } = statusCode;

    [Id(2)]
    public string? Error { get; } = error;

    [Id(3)]
    public string? ErrorDescription { get; } = errorDescription;

    [Id(4)]
    public string? ErrorUri { get; } = errorUri;

    [Id(5)]
    public bool IsRetryable { get; } = isRetryable;
}

/// <summary>Converts <see cref="KeycardExchangeException"/> to and from its wire form.</summary>
[RegisterConverter]
internal sealed class KeycardExchangeExceptionConverter : IConverter<KeycardExchangeException, KeycardExchangeExceptionSurrogate>
{
    public KeycardExchangeException ConvertFromSurrogate(in KeycardExchangeExceptionSurrogate surrogate) =>
        new(surrogate.Message, (HttpStatusCode?)surrogate.StatusCode, surrogate.Error, surrogate.ErrorDescription, surrogate.ErrorUri, surrogate.IsRetryable);

    public KeycardExchangeExceptionSurrogate ConvertToSurrogate(in KeycardExchangeException value) =>
        new(value.Message, (int?)value.StatusCode, value.Error, value.ErrorDescription, value.ErrorUri, value.IsRetryable);
}
