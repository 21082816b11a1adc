using Microsoft.Extensions.Options;

namespace KeycardSentry.Orleans.Internal;

/// <summary>Checks <see cref="KeycardOrleansClientOptions"/>, with messages that name the configuration key.</summary>
internal sealed class KeycardOrleansClientOptionsValidator : IValidateOptions<KeycardOrleansClientOptions>
{
    public ValidateOptionsResult Validate(string? name, KeycardOrleansClientOptions options)
    {
        var failures = new List<string>();
        if (options.NearCacheSize < 0)
        {
            failures.Add($"Keycard:NearCacheSize must not be negative (got {options.NearCacheSize}); 0 turns the near cache off (Keycard__NearCacheSize).");
        }

        if (options.NearCacheMaxAge < TimeSpan.Zero)
        {
            failures.Add($"Keycard:NearCacheMaxAge must not be negative (got {options.NearCacheMaxAge}); 00:00:00 turns the near cache off (Keycard__NearCacheMaxAge).");
        }

        if (options.NearCacheMaxAge > TimeSpan.FromDays(1))
        {
            failures.Add($"Keycard:NearCacheMaxAge must be at most one day (got {options.NearCacheMaxAge}): it bounds how long a subject token is not re-validated.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
