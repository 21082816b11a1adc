using Microsoft.Extensions.Options;

namespace KeycardSentry.Sentry;

/// <summary>Checks Sentry's own setting (the region) at start; the generic checks run too.</summary>
internal sealed class SentryApiOptionsValidator : IValidateOptions<SentryApiOptions>
{
    public ValidateOptionsResult Validate(string? name, SentryApiOptions options)
    {
        if (!string.Equals(name, SentryApiOptions.SectionName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        return options.BaseUrl is null && options.Region?.Trim().ToLowerInvariant() is not ("us" or "de")
            ? ValidateOptionsResult.Fail(
                $"SentryApi:Region must be 'us' or 'de' (got '{(options.Region?.Length > 16 ? options.Region[..16] + "…" : options.Region)}'), " +
                "or set SentryApi:BaseUrl (SentryApi__BaseUrl) for another host (self-hosted Sentry, a proxy, a stand-in).")
            : ValidateOptionsResult.Success;
    }
}
