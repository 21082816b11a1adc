namespace KeycardSentry.Internal;

/// <summary>The default accessor: the token set with <see cref="KeycardSubject.Use"/> on this async flow.</summary>
internal sealed class AmbientSubjectTokenAccessor : ISubjectTokenAccessor
{
    public string? GetSubjectToken() => KeycardSubject.Current;
}
