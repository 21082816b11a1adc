using Refit;

namespace KeycardSentry.Tests.Support;

/// <summary>A hand-written Refit interface (Refit's source generator builds it) standing in for the generated Sentry clients.</summary>
public interface ITestSentryApi
{
    [Get("/api/0/organizations/")]
    Task<List<OrganizationDto>> ListOrganizationsAsync(CancellationToken cancellationToken = default);

    [Get("/api/0/organizations/{org}/")]
    Task<OrganizationDto> GetOrganizationAsync(string org, CancellationToken cancellationToken = default);

    [Post("/api/0/organizations/{org}/releases/")]
    Task<ReleaseEchoDto> CreateReleaseAsync(string org, [Body] ReleaseDto release, CancellationToken cancellationToken = default);

    [Get("/api/0/organizations/{org}/members/")]
    Task<EchoDto> ListMembersAsync(string org, CancellationToken cancellationToken = default);

    [Get("/api/0/organizations/{org}/unlisted/")]
    Task<EchoDto> NotInCatalogAsync(string org, CancellationToken cancellationToken = default);
}

public sealed record OrganizationDto(string Slug, string Name, string User);

public sealed record ReleaseDto(string Version, IReadOnlyList<string> Projects);

public sealed record ReleaseEchoDto(string Organization, string User, ReleaseDto Received);

public sealed record EchoDto(string Path, string User, string Method);

/// <summary>A small catalog with Sentry's any-of scope lists and a slice of its hierarchy (facts from the Sentry README).</summary>
public sealed class TestScopeCatalog : IApiScopeCatalog
{
    public static TestScopeCatalog Instance { get; } = new();

    private static readonly Dictionary<string, IReadOnlyList<string>> Required = new(StringComparer.Ordinal)
    {
        [nameof(ITestSentryApi.ListOrganizationsAsync)] = ["org:admin", "org:read", "org:write"],
        [nameof(ITestSentryApi.GetOrganizationAsync)] = ["org:admin", "org:read", "org:write"],
        [nameof(ITestSentryApi.CreateReleaseAsync)] = ["project:releases", "project:admin", "project:write"],
        [nameof(ITestSentryApi.ListMembersAsync)] = ["member:read", "member:write", "member:admin"],
    };

    public string Resource => TestApp.Resource;

    public IReadOnlyList<string> DefaultGrant { get; } = ["event:read", "project:read", "org:read"];

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Implications { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["org:admin"] = ["org:admin", "org:write", "org:read", "org:integrations"],
        ["org:write"] = ["org:write", "org:read"],
        ["member:admin"] = ["member:admin", "member:write", "member:invite", "member:read"],
        ["member:write"] = ["member:write", "member:invite", "member:read"],
        ["project:admin"] = ["project:admin", "project:write", "project:read"],
        ["project:write"] = ["project:write", "project:read"],
    };

    public bool TryGetRequiredScopes(Type interfaceType, string methodName, out IReadOnlyList<string> anyOf)
    {
        if (interfaceType == typeof(ITestSentryApi) && Required.TryGetValue(methodName, out var found))
        {
            anyOf = found;
            return true;
        }

        anyOf = [];
        return false;
    }
}
