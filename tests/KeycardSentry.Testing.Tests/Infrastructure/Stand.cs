using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace KeycardSentry.Testing.Tests.Infrastructure;

/// <summary>A local Keycard zone, the Sentry stand-in that trusts it, and a plain HttpClient (no runtime code involved).</summary>
internal sealed class Stand : IAsyncDisposable
{
    public const string SentryResource = "https://sentry.io/api/0";

    private Stand(LocalKeycardZone zone, LocalSentryApi sentry)
    {
        Zone = zone;
        Sentry = sentry;
    }

    public LocalKeycardZone Zone { get; }

    public LocalSentryApi Sentry { get; }

    public HttpClient Http { get; } = new();

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Stand> StartAsync(LocalSentryApiOptions? options = null, LocalKeycardZoneOptions? zoneOptions = null)
    {
        var zone = await LocalKeycardZone.StartAsync(zoneOptions);
        try
        {
            return new Stand(zone, await LocalSentryApi.StartAsync(zone, options));
        }
        catch
        {
            await zone.DisposeAsync();
            throw;
        }
    }

    /// <summary>Exchanges at the zone for a Sentry token holding exactly <paramref name="scopes"/>.</summary>
    public Task<string> TokenAsync(string user, params string[] scopes) => TokenForResourceAsync(user, SentryResource, scopes);

    public async Task<string> TokenForResourceAsync(string user, string resource, params string[] scopes)
    {
        Zone.SetGrantedScopes(user, scopes);
        using var request = new HttpRequestMessage(HttpMethod.Post, Zone.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = LocalKeycardZone.TokenExchangeGrantType,
                ["subject_token"] = Zone.MintSubjectToken(user),
                ["subject_token_type"] = LocalKeycardZone.AccessTokenType,
                ["resource"] = resource,
                ["scope"] = string.Join(' ', scopes),
            }),
        };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(LocalKeycardZone.BasicAuthorization(Zone.ClientId, Zone.ClientSecret));
        using var response = await Http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"exchange failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Calls an operation with sample path values (and <c>{}</c> as the body of a write).</summary>
    public Task<HttpResponseMessage> CallAsync(SentryOperation operation, string? token, string query = "") =>
        SendAsync(operation.Method, operation.ExpandPath(SampleArguments.PathValue) + query, token);

    public async Task<HttpResponseMessage> SendAsync(string method, string pathAndQuery, string? token)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), Sentry.BaseUrl + pathAndQuery.TrimStart('/'));
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Sentry.DisposeAsync();
        await Zone.DisposeAsync();
    }
}
