using System.Text.Json.Nodes;

namespace KeycardSentry.Testing.Tests.Infrastructure;

/// <summary>Calls every operation of a stand-in once with a token holding every scope, checking each routes and answers.</summary>
internal static class EveryOperation
{
    public static async Task<IReadOnlyList<(SentryOperation Operation, string Body)>> CallAsync(Stand stand)
    {
        var token = await stand.TokenAsync("root", [.. SpecFacts.Implications.Keys]);
        var answers = new List<(SentryOperation, string)>();
        foreach (var operation in stand.Sentry.Operations)
        {
            var before = stand.Sentry.RequestCount;
            using var response = await stand.CallAsync(operation, token);
            var body = await response.Content.ReadAsStringAsync(Stand.Ct);
            Assert.True((int)response.StatusCode == operation.SuccessStatusCode, $"{operation}: {(int)response.StatusCode} {body}");
            Assert.Equal(operation.OperationId, stand.Sentry.Requests[before].OperationId);
            Assert.Equal(operation.HasResponseBody, body.Length > 0);
            answers.Add((operation, body));
        }

        return answers;
    }

    /// <summary>Every string property named <c>id</c> in a body, anywhere.</summary>
    public static IEnumerable<string> StringIds(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "id" && p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? [s] : StringIds(p.Value)),
        JsonArray a => a.SelectMany(StringIds),
        _ => [],
    };
}
