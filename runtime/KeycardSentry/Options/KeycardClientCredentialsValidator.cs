using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>
/// Checks, where this process exchanges tokens itself (<c>AddKeycard</c>, a silo), that it names its client at the zone
/// (how it authenticates is <c>ClientAuthenticationOptionsValidator</c>'s).
/// An Orleans client that only validates subject tokens needs no credentials and does not run this.
/// </summary>
internal sealed class KeycardClientCredentialsValidator : IValidateOptions<KeycardOptions>
{
    public ValidateOptionsResult Validate(string? name, KeycardOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add("Keycard:ClientId is required: set it to the application's client id from the Keycard console (environment variable Keycard__ClientId).");
        }

        // Keycard:ClientSecret or Keycard:ClientAssertion: checked by ClientAuthenticationOptionsValidator.

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
