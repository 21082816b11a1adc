using Orleans.Concurrency;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>A grain that asks for tokens the way application grains would: through <see cref="IKeycardTokenProvider"/>.</summary>
public interface ITokenCallerGrain : IGrainWithIntegerKey
{
    /// <summary>Gets a token through the silo's provider and returns its fingerprint.</summary>
    Task<string> GetFingerprintAsync(string subjectToken, string resource, string[] scopes);
}

/// <summary>Application-style caller grain.</summary>
[StatelessWorker]
internal sealed class TokenCallerGrain(IKeycardTokenProvider tokens) : Grain, ITokenCallerGrain
{
    public async Task<string> GetFingerprintAsync(string subjectToken, string resource, string[] scopes) =>
        (await tokens.GetTokenAsync(new KeycardTokenRequest(subjectToken, resource, scopes))).Fingerprint;
}
