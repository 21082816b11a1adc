using System.Net;

namespace KeycardSentry.Testing.Tests.Infrastructure;

/// <summary>
/// Sentry's scope rule on a sample of one tag's operations: a token with a listed scope passes, a token whose scope
/// only implies a listed one passes, a token with neither gets Sentry's 403.
/// </summary>
internal static class ScopeChecks
{
    public static async Task RunAsync(Stand stand, string tag)
    {
        var operations = stand.Sentry.Operations.Where(o => (o.Tag ?? "(none)") == tag).ToList();
        Assert.NotEmpty(operations);
        var withImplier = operations.FirstOrDefault(o => Implier(o) is not null);
        var sample = new[] { operations[0], operations[operations.Count / 2], operations[^1], withImplier }.OfType<SentryOperation>().Distinct().ToList();
        var output = TestContext.Current.TestOutputHelper;
        var user = 0;

        foreach (var operation in sample)
        {
            if (operation.Scopes.Count == 0)
            {
                await AssertPassesAsync(stand, operation, await stand.TokenAsync($"{tag}-{user++}", "alerts:read"), "any token (the operation lists no scope)");
                continue;
            }

            var listed = operation.Scopes[^1];
            await AssertPassesAsync(stand, operation, await stand.TokenAsync($"{tag}-{user++}", listed), $"listed scope {listed}");

            if (Implier(operation) is { } implier)
            {
                await AssertPassesAsync(stand, operation, await stand.TokenAsync($"{tag}-{user++}", implier), $"{implier}, which implies one of [{string.Join(' ', operation.Scopes)}]");
            }

            var unrelated = SpecFacts.Implications.Keys.FirstOrDefault(s => !SpecFacts.Expand(s).Overlaps(operation.Scopes));
            Assert.NotNull(unrelated);
            using var refused = await stand.CallAsync(operation, await stand.TokenAsync($"{tag}-{user++}", unrelated));
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{operation} with {unrelated}: {(int)refused.StatusCode}");
            Assert.Equal("{\"detail\":\"You do not have permission to perform this action.\"}", await refused.Content.ReadAsStringAsync(Stand.Ct));
            output?.WriteLine($"{operation}: passes with {listed}{(Implier(operation) is { } i ? " and " + i : string.Empty)}, 403 with {unrelated}");
        }

        if (withImplier is null)
        {
            output?.WriteLine($"No operation of {tag} lists fewer scopes than pass, so no implied-scope case exists in this tag.");
        }
    }

    /// <summary>A catalog scope that is not listed but implies a listed one, e.g. org:admin for an org:read operation.</summary>
    public static string? Implier(SentryOperation operation) =>
        operation.Scopes.Count == 0
            ? null
            : SpecFacts.Implications.Keys.FirstOrDefault(s => !operation.Scopes.Contains(s) && SpecFacts.Expand(s).Overlaps(operation.Scopes));

    private static async Task AssertPassesAsync(Stand stand, SentryOperation operation, string token, string why)
    {
        using var response = await stand.CallAsync(operation, token);
        Assert.True((int)response.StatusCode == operation.SuccessStatusCode, $"{operation} with {why}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Stand.Ct)}");
    }
}
