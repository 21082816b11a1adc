using KeycardSentry.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry;

/// <summary>Reads the request's Keycard subject token, to hand to work that outlives the request.</summary>
public static class KeycardHttpContextExtensions
{
    /// <summary>
    /// The bearer token of this request if ASP.NET Core authentication validated it with a bearer scheme (the token
    /// <c>AddKeycardSubjectFromHttpContext()</c> uses as the subject), else null. Capture it while handling the request
    /// and wrap work that may run after the request ends in <c>using (KeycardSubject.Use(token)) { ... }</c>. It is the
    /// user's credential: never log or store it.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>AddKeycardSubjectFromHttpContext()</c> was not called.</exception>
    public static string? GetKeycardSubjectToken(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var schemes = context.RequestServices.GetService<BearerSchemes>()
            ?? throw new InvalidOperationException("GetKeycardSubjectToken needs services.AddKeycardSubjectFromHttpContext() at start.");
        return RequestBearerToken.Read(context, schemes, out _);
    }
}
