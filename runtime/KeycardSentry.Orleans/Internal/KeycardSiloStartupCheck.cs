using KeycardSentry.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KeycardSentry.Orleans.Internal;

/// <summary>Checks at start that the token grains have what they need, and says loudly when no zone is configured.</summary>
internal sealed partial class KeycardSiloStartupCheck(IServiceProvider services, ILogger<KeycardSiloStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var exchange = services.GetService<IKeycardExchangeClient>();
        var validator = services.GetService<ISubjectTokenValidator>();
        if (exchange is null || validator is null)
        {
            throw new InvalidOperationException(
                "The Keycard token grains need an IKeycardExchangeClient and an ISubjectTokenValidator in the silo: call " +
                "services.AddKeycard(...) or siloBuilder.AddKeycardTokenGrains(configuration.GetSection(\"Keycard\")).");
        }

        if (exchange is UnconfiguredKeycardZone)
        {
            LogNoZone(logger, UnconfiguredKeycardZone.Message);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "No Keycard zone configured: the cluster runs, token grain calls fail. {Guidance}")]
    private static partial void LogNoZone(ILogger logger, string guidance);
}
