using KeycardSentry;
using KeycardSentry.AspNetCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ASP.NET Core's current request as the source of the Keycard subject token.</summary>
public static class KeycardAspNetCoreServiceCollectionExtensions
{
    /// <summary>
    /// Makes the bearer token of the incoming request, once ASP.NET Core authentication has validated it with a bearer
    /// scheme (every JwtBearer scheme, plus <see cref="KeycardHttpContextSubjectOptions.BearerSchemes"/>), the subject of
    /// the Sentry calls made while handling that request. An enclosing <see cref="KeycardSubject.Use"/> still wins.
    /// Replaces the <see cref="ISubjectTokenAccessor"/> whether called before or after <c>AddKeycard</c> or
    /// <c>AddKeycardOrleansTokenCache</c>.
    /// </summary>
    public static IServiceCollection AddKeycardSubjectFromHttpContext(this IServiceCollection services, Action<KeycardHttpContextSubjectOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHttpContextAccessor();
        services.AddLogging();
        var options = services.AddOptions<KeycardHttpContextSubjectOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeycardHttpContextSubjectOptions>, KeycardHttpContextSubjectOptionsValidator>());
        services.TryAddSingleton<BearerSchemes>();
        services.RemoveAll<ISubjectTokenAccessor>();
        services.AddSingleton<ISubjectTokenAccessor, HttpContextSubjectTokenAccessor>();
        return services;
    }
}
