using KeycardSentry.Sentry;
using Refit;

namespace KeycardSentry.Silo.Demo;

/// <summary>
/// One generated Sentry operation the demo calls, with realistic arguments the stand-in answers; its scopes come from
/// the generated table (<see cref="SentryOperations.All"/>, the same as the method's <c>[RequiresScopes]</c>).
/// </summary>
internal sealed class DemoCall
{
    private DemoCall(Type api, string method, Func<DemoApp, CancellationToken, Task<string>> run)
    {
        Operation = SentryOperations.All.SingleOrDefault(o => o.InterfaceType == api && o.MethodName == method)
            ?? throw new InvalidOperationException($"{api.Name}.{method} is not in SentryOperations.All.");
        Run = run;
    }

    public SentryOperationInfo Operation { get; }

    /// <summary>Makes the call through an app's generated client for the current <c>KeycardSubject</c>; returns what came back, in a few words.</summary>
    public Func<DemoApp, CancellationToken, Task<string>> Run { get; }

    /// <summary>The interface's tag (<c>ISentryOrganizationsApi</c> → Organizations).</summary>
    public string Tag => Operation.InterfaceType.Name["ISentry".Length..^"Api".Length];

    public string Method => Operation.MethodName;

    public override string ToString() => $"{Operation.InterfaceType.Name}.{Operation.MethodName}";

    private const string Org = "acme";
    private const string Project = "backend";

    public static DemoCall GetOrganization { get; } = new(typeof(ISentryOrganizationsApi), nameof(ISentryOrganizationsApi.GetOrganizationAsync), async (app, ct) =>
        $"organization {(await app.Api<ISentryOrganizationsApi>().GetOrganizationAsync(Org, cancellationToken: ct).ConfigureAwait(false)).Slug}");

    public static DemoCall GetProject { get; } = new(typeof(ISentryProjectsApi), nameof(ISentryProjectsApi.GetProjectAsync), async (app, ct) =>
        $"project {(await app.Api<ISentryProjectsApi>().GetProjectAsync(Org, Project, ct).ConfigureAwait(false)).Slug}");

    public static DemoCall GetTeam { get; } = new(typeof(ISentryTeamsApi), nameof(ISentryTeamsApi.GetTeamAsync), async (app, ct) =>
        $"team {(await app.Api<ISentryTeamsApi>().GetTeamAsync(Org, "platform", cancellationToken: ct).ConfigureAwait(false)).Slug}");

    public static DemoCall ListIssues { get; } = new(typeof(ISentryEventsApi), nameof(ISentryEventsApi.ListOrganizationIssuesAsync), async (app, ct) =>
        Count(await app.Api<ISentryEventsApi>().ListOrganizationIssuesAsync(Org, cancellationToken: ct).ConfigureAwait(false), "issues"));

    public static DemoCall ListReleases { get; } = new(typeof(ISentryReleasesApi), nameof(ISentryReleasesApi.ListOrganizationReleasesAsync), async (app, ct) =>
        Count(await app.Api<ISentryReleasesApi>().ListOrganizationReleasesAsync(Org, cancellationToken: ct).ConfigureAwait(false), "releases"));

    public static DemoCall ListMonitors { get; } = new(typeof(ISentryCronsApi), nameof(ISentryCronsApi.ListOrganizationMonitorsAsync), async (app, ct) =>
        Count(await app.Api<ISentryCronsApi>().ListOrganizationMonitorsAsync(Org, cancellationToken: ct).ConfigureAwait(false), "monitors"));

    /// <summary>The calls every fully granted user makes, one per tag.</summary>
    public static IReadOnlyList<DemoCall> Tour { get; } = [GetOrganization, GetProject, GetTeam, ListIssues, ListReleases, ListMonitors];

    /// <summary>A paginated list: the first page (Sentry's <c>Link</c> header says whether there is a next one).</summary>
    private static string Count<T>(ApiResponse<List<T>> response, string what)
    {
        using (response)
        {
            if (response.Error is { } error)
            {
                throw error;
            }

            var more = response.Headers is { } headers && headers.TryGetValues("Link", out var link) && string.Join(",", link).Contains("rel=\"next\"; results=\"true\"", StringComparison.Ordinal);
            return $"{response.Content?.Count ?? 0} {what}{(more ? " (page 1)" : string.Empty)}";
        }
    }

    private static string Count<T>(List<T> items, string what) => $"{items.Count} {what}";
}
