using System.Net;
using System.Text.Json;
using KeycardSentry.Orleans.Tests.Infrastructure;
using KeycardSentry.Testing;

namespace KeycardSentry.Orleans.Tests;

/// <summary>
/// The silo process's <c>/health</c> reports the Keycard zone, not only the silo's membership: degraded without a zone
/// (naming the keys to set), unhealthy when the zone cannot be read, healthy once it was read.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class SiloHealthProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithoutAZone_HealthIsDegraded_AndNamesTheKeysToSet()
    {
        await using var silo = SiloProcess.Start([]);

        var (status, report) = await HealthAsync(silo);

        Assert.Equal(HttpStatusCode.OK, status); // degraded still serves: the cluster runs
        Assert.Equal("Degraded", report.GetProperty("status").GetString());
        var zone = report.GetProperty("checks").GetProperty("keycard-zone");
        Assert.Equal("Degraded", zone.GetProperty("status").GetString());
        Assert.Contains("Keycard__ZoneUrl", zone.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("orleans-silo").GetProperty("status").GetString());
    }

    [Fact]
    public async Task AZoneThatCannotBeRead_MakesHealthUnhealthy_SayingWhy()
    {
        var closedPort = MultiProcessClusterTests.FreePort(); // nothing listens there
        await using var silo = SiloProcess.Start(new()
        {
            ["Keycard__ZoneUrl"] = $"http://127.0.0.1:{closedPort}",
            ["Keycard__ClientId"] = "app",
            ["Keycard__ClientSecret"] = "app-secret-not-printed",
            ["Keycard__SubjectAudience"] = "app",
        });

        var (status, report) = await HealthAsync(silo, r => r.GetProperty("checks").GetProperty("keycard-zone").GetProperty("status").GetString() != "Degraded");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var zone = report.GetProperty("checks").GetProperty("keycard-zone");
        Assert.Equal("Unhealthy", zone.GetProperty("status").GetString());
        Assert.Contains("could not be read", zone.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(silo.Lines, l => l.Contains("app-secret-not-printed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReachableZone_MakesHealthHealthy()
    {
        await using var keycard = await LocalKeycardZone.StartAsync();
        await using var silo = SiloProcess.Start(new()
        {
            ["Keycard__ZoneUrl"] = keycard.Issuer,
            ["Keycard__ClientId"] = keycard.ClientId,
            ["Keycard__ClientSecret"] = keycard.ClientSecret,
            ["Keycard__SubjectAudience"] = keycard.SubjectAudience,
        });

        var (status, report) = await HealthAsync(silo, r => r.GetProperty("status").GetString() == "Healthy");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("signing keys published", report.GetProperty("checks").GetProperty("keycard-zone").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Reads /health once the silo serves it, asking again (bounded) until <paramref name="settled"/> holds.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Report)> HealthAsync(ChildProcess silo, Func<JsonElement, bool>? settled = null)
    {
        var (line, _) = await silo.WaitForLineAsync(l => l.StartsWith("KeycardSentry silo HTTP: ", StringComparison.Ordinal), Bound, cancellationToken: Ct);
        var url = line["KeycardSentry silo HTTP: ".Length..].Split(' ')[0].TrimEnd(',', '.');
        using var http = new HttpClient();
        return await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await http.GetAsync(url, Ct);
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
                return (response.StatusCode, document.RootElement.Clone());
            },
            r => settled?.Invoke(r.Item2) ?? true,
            Ct);
    }
}
