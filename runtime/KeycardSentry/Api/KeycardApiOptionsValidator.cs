using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>Checks one API's <see cref="KeycardApiOptions"/> at start; messages name the key under the API's section (the options name).</summary>
internal sealed class KeycardApiOptionsValidator<TOptions>(string name) : IValidateOptions<TOptions>
    where TOptions : KeycardApiOptions
{
    public ValidateOptionsResult Validate(string? optionsName, TOptions options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (options.EffectiveBaseUrl is not { } baseUrl)
        {
            failures.Add($"{name}:BaseUrl is required: set it to the API's base URL (environment variable {name}__BaseUrl).");
        }
        else if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != "https" && !(baseUrl.Scheme == "http" && KeycardOptionsValidator.IsLoopback(baseUrl))))
        {
            failures.Add($"{name}:BaseUrl must be an absolute https URL (http only for loopback), got '{baseUrl}'.");
        }

        if (options.EffectiveResource is not { } resource
            || resource.Length > 2048
            || !Uri.TryCreate(resource, UriKind.Absolute, out var resourceUri)
            || resource.Contains('#', StringComparison.Ordinal)
            || !string.IsNullOrEmpty(resourceUri.Fragment))
        {
            failures.Add($"{name}:Resource must be an absolute URI without fragment (RFC 8707), the resource identifier configured in Keycard (environment variable {name}__Resource).");
        }

        foreach (var scope in options.Scopes)
        {
            if (!ScopeSyntax.IsScopeToken(scope))
            {
                failures.Add($"{name}:Scopes holds '{MessageText.Sanitize(scope, 64)}', which is not a scope: write scopes separated by spaces or commas, e.g. {name}__Scopes=\"org:read project:read\".");
                break;
            }
        }

        if (options.MaxRateLimitRetries is < 0 or > 100)
        {
            failures.Add($"{name}:MaxRateLimitRetries must be between 0 and 100 (got {options.MaxRateLimitRetries}).");
        }

        if (options.MaxRateLimitDelay < TimeSpan.Zero || options.MaxRateLimitDelay > TimeSpan.FromHours(1))
        {
            failures.Add($"{name}:MaxRateLimitDelay must be between 00:00:00 and 01:00:00 (got {options.MaxRateLimitDelay}).");
        }

        if (options.UnauthorizedCooldown < TimeSpan.Zero || options.UnauthorizedCooldown > TimeSpan.FromHours(1))
        {
            failures.Add($"{name}:UnauthorizedCooldown must be between 00:00:00 (off) and 01:00:00 (got {options.UnauthorizedCooldown}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
