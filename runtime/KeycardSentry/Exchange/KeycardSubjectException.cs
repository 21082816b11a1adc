namespace KeycardSentry;

/// <summary>
/// The subject token could not prove a user: a JWT with a bad signature, wrong issuer, expired or not yet valid, or a
/// cached token requested by a caller who is not its user. No token, cached or new, is handed out.
/// </summary>
public sealed class KeycardSubjectException : Exception
{
    /// <summary>Creates the exception. The message must not contain the subject token.</summary>
    public KeycardSubjectException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
