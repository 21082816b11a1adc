using KeycardSentry.Internal;
using KeycardSentry.Orleans.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace KeycardSentry.Orleans;

/// <summary>Silo-side registration of the user token grains.</summary>
public static class KeycardOrleansSiloBuilderExtensions
{
    /// <summary>
    /// Hosts the user token grains in this silo, configured from <paramref name="keycardSection"/> (the <c>Keycard</c>
    /// section: <c>ZoneUrl</c>, <c>ClientId</c>, <c>ClientSecret</c>, ... and the grain settings of
    /// <see cref="KeycardTokenGrainOptions"/>). This registers the Keycard exchange client and subject-token validator in
    /// the silo: the client secret lives only here. Without a <c>ZoneUrl</c> the silo still starts, logs how to configure
    /// a zone, and every token grain call fails saying that the silo has no Keycard zone configured.
    /// </summary>
    public static ISiloBuilder AddKeycardTokenGrains(this ISiloBuilder builder, IConfiguration keycardSection, Action<KeycardTokenGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(keycardSection);
        builder.Services.AddOptions<KeycardTokenGrainOptions>().Bind(keycardSection);
        if (string.IsNullOrWhiteSpace(keycardSection["ZoneUrl"]))
        {
            builder.Services.TryAddSingleton<UnconfiguredKeycardZone>();
            builder.Services.TryAddSingleton<IKeycardExchangeClient>(sp => sp.GetRequiredService<UnconfiguredKeycardZone>());
            builder.Services.TryAddSingleton<ISubjectTokenValidator>(sp => sp.GetRequiredService<UnconfiguredKeycardZone>());
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddOptions<KeycardOptions>().Bind(keycardSection);
            builder.Services.TryAddSingleton(sp => TokenPolicy.From(sp.GetRequiredService<IOptions<KeycardOptions>>().Value));
            builder.Services.TryAddSingleton<TokenFetcher>();
        }
        else
        {
            builder.Services.AddKeycard(keycardSection);
        }

        return builder.AddKeycardTokenGrains(configure);
    }

    /// <summary>
    /// Hosts the user token grains in this silo, using the Keycard runtime already registered (by
    /// <c>services.AddKeycard(...)</c> in an app that is itself a silo).
    /// </summary>
    public static ISiloBuilder AddKeycardTokenGrains(this ISiloBuilder builder, Action<KeycardTokenGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<KeycardTokenGrainOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KeycardGrainMetrics>();
        services.TryAddSingleton<TokenTableHandoff>();
        services.AddOptions<GrainCollectionOptions>()
            .Configure<IOptions<KeycardTokenGrainOptions>>((collection, grainOptions) =>
                collection.ClassSpecificCollectionAge[typeof(UserTokenGrain).FullName!] = grainOptions.Value.GrainIdleTimeout);
        services.AddHostedService<KeycardSiloStartupCheck>();
        return builder;
    }
}
