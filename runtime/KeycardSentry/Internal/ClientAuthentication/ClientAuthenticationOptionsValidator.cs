using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal.ClientAuthentication;

/// <summary>
/// Checks the client authentication settings at start: the method, the secret or the key (loaded once here, so a
/// missing file, wrong password, expired certificate or public-only key stops the host with a message naming the
/// setting and its environment variable). Messages never contain the secret, the password or key material.
/// </summary>
internal sealed class ClientAuthenticationOptionsValidator(TimeProvider timeProvider) : IValidateOptions<KeycardOptions>
{
    public ValidateOptionsResult Validate(string? name, KeycardOptions options)
    {
        var failures = new List<string>();
        var assertion = options.ClientAssertion ?? new KeycardClientAssertionOptions();
        var sources = ClientAssertionKey.ConfiguredSources(assertion);
        var hasSecret = !string.IsNullOrWhiteSpace(options.ClientSecret);
        var method = ClientAuthenticationSelection.Resolve(options);

        if (method is null)
        {
            failures.Add($"Keycard:ClientAuthentication '{MessageText.Sanitize(options.ClientAuthentication, 64)}' is not a known method: use ClientSecretBasic or PrivateKeyJwt (environment variable Keycard__ClientAuthentication).");
        }
        else if (hasSecret && sources.Count > 0)
        {
            failures.Add($"Both Keycard:ClientSecret and a client-assertion key (Keycard:ClientAssertion:{sources[0]}) are set: keep only the one Keycard:ClientAuthentication ({method}) uses, so no unused secret lies around (remove Keycard__ClientSecret for PrivateKeyJwt).");
        }
        else if (method == ClientAuthenticationMethod.ClientSecretBasic && !hasSecret)
        {
            failures.Add("Keycard:ClientSecret is required: set it to the application's client secret from the Keycard console, from a secret store (environment variable Keycard__ClientSecret); " +
                "or authenticate with a key instead: Keycard:ClientAuthentication=PrivateKeyJwt and Keycard:ClientAssertion:KeyPath (Keycard__ClientAssertion__KeyPath).");
        }
        else if (method == ClientAuthenticationMethod.PrivateKeyJwt)
        {
            ValidateAssertion(assertion, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateAssertion(KeycardClientAssertionOptions assertion, List<string> failures)
    {
        if (assertion.Lifetime <= TimeSpan.Zero || assertion.Lifetime > KeycardClientAssertionOptions.MaxLifetime)
        {
            failures.Add($"Keycard:ClientAssertion:Lifetime must be positive and at most {KeycardClientAssertionOptions.MaxLifetime} (got {assertion.Lifetime}), e.g. 00:01:00 (Keycard__ClientAssertion__Lifetime).");
        }

        if (!string.IsNullOrEmpty(assertion.CertificatePassword) && string.IsNullOrWhiteSpace(assertion.CertificatePath))
        {
            failures.Add("Keycard:ClientAssertion:CertificatePassword is set but Keycard:ClientAssertion:CertificatePath is not: the password opens a PKCS#12 file only.");
        }

        if (!string.IsNullOrWhiteSpace(assertion.StoreLocation)
            && !assertion.StoreLocation.Trim().Equals("CurrentUser", StringComparison.OrdinalIgnoreCase)
            && !assertion.StoreLocation.Trim().Equals("LocalMachine", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Keycard:ClientAssertion:StoreLocation '{MessageText.Sanitize(assertion.StoreLocation, 32)}' must be CurrentUser or LocalMachine (Keycard__ClientAssertion__StoreLocation).");
        }

        if (failures.Count > 0)
        {
            return;
        }

        if (ClientAssertionKey.TryLoad(assertion, timeProvider, out var key, out var error))
        {
            key!.Dispose();
        }
        else
        {
            failures.Add(error!);
        }
    }
}
