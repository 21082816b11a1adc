using System.Text.Json.Nodes;
using KeycardSentry.Testing;

namespace KeycardSentry.Tests.Support;

/// <summary>
/// The Sentry stand-in with <see cref="ITestSentryApi"/>'s operations answering echoes of the request (its user, path,
/// query and body) instead of generated bodies, so a runtime test sees which user's token each answer was for.
/// </summary>
internal static class EchoingSentry
{
    public static async Task<LocalSentryApi> StartAsync(LocalKeycardZone zone)
    {
        var sentry = await LocalSentryApi.StartAsync(zone);
        sentry.Respond(sentry.Operation("GET", "/api/0/organizations/").OperationId, call =>
            new JsonArray(new JsonObject { ["slug"] = "acme", ["name"] = "Acme", ["user"] = call.User }));
        sentry.Respond(sentry.Operation("GET", "/api/0/organizations/{organization_id_or_slug}/").OperationId, call =>
            new JsonObject { ["slug"] = Org(call), ["name"] = Org(call), ["user"] = call.User, ["query"] = call.Request.Query });
        sentry.Respond(sentry.Operation("POST", "/api/0/organizations/{organization_id_or_slug}/releases/").OperationId, call =>
            new JsonObject { ["organization"] = Org(call), ["user"] = call.User, ["received"] = call.Request.Body.Length == 0 ? null : JsonNode.Parse(call.Request.Body) });
        sentry.Respond(sentry.Operation("GET", "/api/0/organizations/{organization_id_or_slug}/members/").OperationId, call =>
            new JsonObject { ["path"] = call.Request.Path, ["user"] = call.User, ["method"] = call.Request.Method });
        return sentry;
    }

    private static string Org(SentryCall call) => call.PathParameters["organization_id_or_slug"];
}
