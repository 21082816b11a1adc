using System.Net;
using Microsoft.Extensions.Options;

namespace KeycardSentry.Internal;

/// <summary>Checks <see cref="KeycardOptions"/> at start, with messages that name the configuration key to set.</summary>
internal sealed class KeycardOptionsValidator : IValidateOptions<KeycardOptions>
{
    /// <summary>The largest <see cref="KeycardOptions.MaxTokenLifetime"/> accepted: 30 days.</summary>
    internal static readonly TimeSpan MaxTokenLifetimeCeiling = TimeSpan.FromDays(30);

    public ValidateOptionsResult Validate(string? name, KeycardOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ZoneUrl))
        {
            failures.Add("Keycard:ZoneUrl is required: set it to your zone's URL, e.g. https://<zone-id>.keycard.cloud (environment variable Keycard__ZoneUrl).");
        }
        else if (!Uri.TryCreate(options.ZoneUrl, UriKind.Absolute, out var zone) || zone.Scheme is not ("https" or "http"))
        {
            failures.Add($"Keycard:ZoneUrl '{options.ZoneUrl}' is not an absolute http(s) URL: set it to your zone's URL, e.g. https://<zone-id>.keycard.cloud (Keycard__ZoneUrl).");
        }
        else if (zone.Scheme != "https" && !IsLoopback(zone))
        {
            failures.Add($"Keycard:ZoneUrl must use https (got '{options.ZoneUrl}'); plain http is allowed only for loopback addresses. Fix Keycard__ZoneUrl.");
        }
        else if (!string.IsNullOrEmpty(zone.Query) || !string.IsNullOrEmpty(zone.Fragment))
        {
            failures.Add("Keycard:ZoneUrl must not have a query or fragment: use the zone's issuer URL.");
        }

        if (options.ExchangeTimeout <= TimeSpan.Zero)
        {
            failures.Add("Keycard:ExchangeTimeout must be positive (e.g. 00:00:10).");
        }

        if (options.DefaultTokenLifetime <= TimeSpan.Zero)
        {
            failures.Add("Keycard:DefaultTokenLifetime must be positive (e.g. 01:00:00).");
        }

        if (options.ExpirySkew < TimeSpan.Zero)
        {
            failures.Add("Keycard:ExpirySkew must not be negative.");
        }

        if (options.ClockSkew < TimeSpan.Zero)
        {
            failures.Add("Keycard:ClockSkew must not be negative.");
        }

        if (options.CacheSizeLimit < 1)
        {
            failures.Add("Keycard:CacheSizeLimit must be at least 1.");
        }

        ValidateSubjectRules(options, failures);
        ValidateRefreshAndBackoff(options, failures);

        if (options.SubjectValidationCacheSize < 0)
        {
            failures.Add($"Keycard:SubjectValidationCacheSize must not be negative (got {options.SubjectValidationCacheSize}); 0 turns the subject validation cache off.");
        }

        if (options.SubjectValidationCacheDuration < TimeSpan.Zero)
        {
            failures.Add($"Keycard:SubjectValidationCacheDuration must not be negative (got {options.SubjectValidationCacheDuration}); 00:00:00 turns the subject validation cache off.");
        }

        if (options.JwksRefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"Keycard:JwksRefreshInterval must be positive (got {options.JwksRefreshInterval}), e.g. 00:10:00: it bounds how long a signing key the zone withdrew keeps being accepted.");
        }

        if (options.JwksMinimumRefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"Keycard:JwksMinimumRefreshInterval must be positive (got {options.JwksMinimumRefreshInterval}), e.g. 00:00:30: it limits JWKS fetches caused by unknown key ids.");
        }
        else if (options.JwksRefreshInterval > TimeSpan.Zero && options.JwksMinimumRefreshInterval > options.JwksRefreshInterval)
        {
            failures.Add($"Keycard:JwksMinimumRefreshInterval ({options.JwksMinimumRefreshInterval}) must not exceed Keycard:JwksRefreshInterval ({options.JwksRefreshInterval}).");
        }

        if (options.MaxTokenLifetime <= TimeSpan.Zero || options.MaxTokenLifetime > MaxTokenLifetimeCeiling)
        {
            failures.Add($"Keycard:MaxTokenLifetime must be positive and at most {MaxTokenLifetimeCeiling.TotalDays:0} days (got {options.MaxTokenLifetime}), e.g. 1.00:00:00 (environment variable Keycard__MaxTokenLifetime).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateSubjectRules(KeycardOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.SubjectAudience) && !options.AllowAnySubjectAudience)
        {
            failures.Add(
                "Keycard:SubjectAudience is required: set it to the audience (aud) Keycard puts in the access tokens it issues for this application " +
                "(environment variable Keycard__SubjectAudience), so a token the zone issued for another client or audience is refused. " +
                "To accept any audience the zone signs, set Keycard:AllowAnySubjectAudience=true (Keycard__AllowAnySubjectAudience) explicitly.");
        }
        else if (options.SubjectAudience is { } audience && (audience.Length > 2048 || audience.Any(char.IsControl)))
        {
            failures.Add("Keycard:SubjectAudience must be at most 2048 characters without control characters.");
        }

        if (options.SubjectTokens is { } kinds && !Enum.IsDefined(kinds))
        {
            failures.Add($"Keycard:SubjectTokens must be Jwt or JwtOrOpaque (got '{kinds}').");
        }

        if (options.MaxSubjectTokenLength is < 256 or > 1024 * 1024)
        {
            failures.Add($"Keycard:MaxSubjectTokenLength must be between 256 and 1048576 characters (got {options.MaxSubjectTokenLength}); the default 16384 fits Keycard's access tokens.");
        }
    }

    private static void ValidateRefreshAndBackoff(KeycardOptions options, List<string> failures)
    {
        if (options.RefreshAhead < TimeSpan.Zero || options.RefreshAhead > TimeSpan.FromDays(1))
        {
            failures.Add($"Keycard:RefreshAhead must be between 00:00:00 (off) and 1.00:00:00 (got {options.RefreshAhead}).");
        }

        if (options.FailureBackoff <= TimeSpan.Zero || options.FailureBackoff > TimeSpan.FromHours(1))
        {
            failures.Add($"Keycard:FailureBackoff must be positive and at most 01:00:00 (got {options.FailureBackoff}), e.g. 00:00:01.");
        }

        if (options.MaxFailureBackoff < options.FailureBackoff || options.MaxFailureBackoff > TimeSpan.FromDays(1))
        {
            failures.Add($"Keycard:MaxFailureBackoff must be at least Keycard:FailureBackoff and at most 1.00:00:00 (got {options.MaxFailureBackoff}).");
        }
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
