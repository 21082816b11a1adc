using System.Collections.Frozen;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace KeycardSentry.AspNetCore;

/// <summary>
/// The authentication schemes whose successful result means "the request's bearer token was validated": every scheme
/// whose handler is a <see cref="JwtBearerHandler"/>, plus <see cref="KeycardHttpContextSubjectOptions.BearerSchemes"/>.
/// Read once from the options the app configured (they are fixed once the host has started).
/// </summary>
internal sealed class BearerSchemes
{
    private readonly Lazy<FrozenSet<string>> _names;

    public BearerSchemes(IOptions<AuthenticationOptions> authentication, IOptions<KeycardHttpContextSubjectOptions> options)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        ArgumentNullException.ThrowIfNull(options);
        _names = new Lazy<FrozenSet<string>>(() => authentication.Value.Schemes
            .Where(s => s.HandlerType is not null && typeof(JwtBearerHandler).IsAssignableFrom(s.HandlerType))
            .Select(s => s.Name)
            .Concat(options.Value.BearerSchemes)
            .ToFrozenSet(StringComparer.Ordinal));
    }

    /// <summary>The bearer scheme names, for messages (scheme names are configuration, not secrets).</summary>
    public IReadOnlyCollection<string> Names => _names.Value;

    /// <summary>
    /// True when <paramref name="ticketSchemes"/> (a ticket's <c>AuthenticationScheme</c>: one name, or several joined
    /// with <c>;</c> by an authorization policy naming several schemes) names bearer schemes only. A ticket that also
    /// names another scheme does not say which of its schemes succeeded, so it does not count.
    /// </summary>
    public bool AreAllBearer(string? ticketSchemes)
    {
        if (string.IsNullOrEmpty(ticketSchemes))
        {
            return false;
        }

        var lookup = _names.Value.GetAlternateLookup<ReadOnlySpan<char>>();
        var names = ticketSchemes.AsSpan();
        foreach (var range in names.Split(';'))
        {
            if (!lookup.Contains(names[range]))
            {
                return false;
            }
        }

        return true;
    }
}
