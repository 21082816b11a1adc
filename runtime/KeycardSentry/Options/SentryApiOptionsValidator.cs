using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>Checks <see cref="SentryApiOptions"/> at start, with messages that name the configuration key to set.</summary>
internal sealed class SentryApiOptionsValidator : IValidateOptions<SentryApiOptions>
{
    public ValidateOptionsResult Validate(string? name, SentryApiOptions options)
    {
        var failures = new List<string>();
        if (options.BaseUrl is null && options.Region?.Trim().ToLowerInvariant() is not ("us" or "de"))
        {
            failures.Add($"SentryApi:Region must be 'us' or 'de' (got '{options.Region}'), or set SentryApi:BaseUrl (SentryApi__BaseUrl) for another host.");
        }

        if (options.BaseUrl is { } baseUrl && (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != "https" && !KeycardOptionsValidator.IsLoopback(baseUrl))))
        {
            failures.Add($"SentryApi:BaseUrl must be an absolute https URL (http only for loopback), got '{baseUrl}'.");
        }

        if (string.IsNullOrWhiteSpace(options.Resource) || !Uri.TryCreate(options.Resource, UriKind.Absolute, out var resource) || !string.IsNullOrEmpty(resource.Fragment))
        {
            failures.Add($"SentryApi:Resource must be an absolute URI without fragment (RFC 8707), e.g. {SentryApiOptions.DefaultResource}.");
        }

        if (options.Scopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Contains(' ', StringComparison.Ordinal)))
        {
            failures.Add("SentryApi:Scopes must hold one scope per entry, without spaces (e.g. org:read).");
        }

        if (options.MaxRateLimitRetries < 0)
        {
            failures.Add("SentryApi:MaxRateLimitRetries must not be negative.");
        }

        if (options.MaxRateLimitDelay < TimeSpan.Zero)
        {
            failures.Add("SentryApi:MaxRateLimitDelay must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
