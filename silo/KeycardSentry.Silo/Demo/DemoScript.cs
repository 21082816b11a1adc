using KeycardSentry.Sentry;

namespace KeycardSentry.Silo.Demo;

/// <summary>
/// The demo's users and what they do, one user at a time (so the meters' counts belong to that user):
/// alice and bob, granted <see cref="DemoEnvironment.AppGrant"/>, make every <see cref="DemoCall.Tour"/> call through
/// every app; carol's grant is <c>org:read</c> only, so the client refuses her project call before sending; dave's grant
/// is <c>org:read</c> too, but Keycard's answer to his exchange names no scope, so the client cannot check and Sentry
/// (the stand-in, with Sentry's rules) refuses his issues call with 403.
/// </summary>
internal sealed class DemoScript(DemoEnvironment environment, DemoMeters meters, TextWriter output)
{
    private readonly List<UserRun> _users = [];

    public async Task<DemoReport> RunAsync(CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine("Calls (one user at a time; each line is one app instance calling the generated Sentry clients for that user)");
        var apps = environment.Apps;
        foreach (var user in new[] { "alice", "bob" })
        {
            await RunUserAsync(user, DemoEnvironment.AppGrant, async run =>
            {
                foreach (var app in apps)
                {
                    await run.CallAllAsync(app, DemoCall.Tour, cancellationToken).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }

        // A viewer: Keycard grants carol org:read only. The token says so, and the client refuses what it cannot reach.
        environment.Zone.SetGrantedScopes("carol", "org:read");
        await RunUserAsync("carol", ["org:read"], async run =>
        {
            await run.CallAllAsync(apps[^1], [DemoCall.GetOrganization], cancellationToken).ConfigureAwait(false);
            await run.CallRefusedAsync(apps[^1], DemoCall.GetProject, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        // dave is granted org:read too, but the zone leaves `scope` out of the answer to his exchange (RFC 6749 allows it):
        // the token's scopes are unknown, so the client sends the call and Sentry decides.
        environment.Zone.SetGrantedScopes("dave", "org:read");
        await RunUserAsync("dave", ["org:read"], async run =>
        {
            environment.Zone.Options.IncludeScopeInResponse = false;
            try
            {
                await run.CallAllAsync(apps[1], [DemoCall.GetOrganization], cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                environment.Zone.Options.IncludeScopeInResponse = true;
            }

            await run.CallRefusedAsync(apps[1], DemoCall.ListIssues, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        return new DemoReport(_users, DemoCall.Tour);
    }

    private async Task RunUserAsync(string user, IReadOnlyList<string> grant, Func<UserRun, Task> script)
    {
        var run = new UserRun(user, grant, environment.Zone.MintSubjectToken(user), output);
        var before = meters.Snapshot();
        await script(run).ConfigureAwait(false);
        run.Sources = meters.Snapshot() - before;
        run.Sent = environment.Sentry.Requests.Count(r => r.User == user);
        run.Exchanges = environment.Zone.ExchangeCount(user);
        _users.Add(run);
    }
}

/// <summary>One demo user: the subject token an app would hold for them, and what their calls did.</summary>
internal sealed class UserRun(string name, IReadOnlyList<string> grant, string subjectToken, TextWriter output)
{
    private readonly List<Refusal> _refusals = [];

    public string Name { get; } = name;

    public IReadOnlyList<string> Grant { get; } = grant;

    public int Calls { get; private set; }

    public int Sent { get; set; }

    public int Exchanges { get; set; }

    public TokenSources Sources { get; set; }

    public IReadOnlyList<Refusal> Refusals => _refusals;

    /// <summary>Makes the calls through <paramref name="app"/> as this user; prints one line with what came back.</summary>
    public async Task CallAllAsync(DemoApp app, IReadOnlyList<DemoCall> calls, CancellationToken cancellationToken)
    {
        var results = new List<string>();
        using (KeycardSubject.Use(subjectToken))
        {
            foreach (var call in calls)
            {
                Calls++;
                results.Add(await call.Run(app, cancellationToken).ConfigureAwait(false));
            }
        }

        output.WriteLine($"  {Name,-6} {app.Name}  {string.Join(", ", results)}");
    }

    /// <summary>Makes a call that must be refused (before sending or by Sentry); prints how.</summary>
    public async Task CallRefusedAsync(DemoApp app, DemoCall call, CancellationToken cancellationToken)
    {
        Calls++;
        try
        {
            using (KeycardSubject.Use(subjectToken))
            {
                await call.Run(app, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SentryScopeException ex)
        {
            _refusals.Add(new Refusal(Name, call, ex));
            var how = ex.RefusedBeforeSending ? "refused BEFORE sending (the token's scopes cannot reach it)" : $"refused BY Sentry: {(int?)ex.StatusCode} \"{ex.Detail}\"";
            output.WriteLine($"  {Name,-6} {app.Name}  {call.Method}: {how}");
            return;
        }

        throw new InvalidOperationException($"{Name}'s {call} was expected to be refused, but it succeeded.");
    }
}

/// <summary>A call the client or Sentry refused.</summary>
internal sealed record Refusal(string User, DemoCall Call, SentryScopeException Error);
