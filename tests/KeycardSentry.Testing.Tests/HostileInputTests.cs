using System.Net;
using System.Net.Sockets;
using System.Text;
using KeycardSentry.Testing.Tests.Infrastructure;

namespace KeycardSentry.Testing.Tests;

/// <summary>Odd, huge or malicious requests get a clean 4xx, never a 500, and the stand-in keeps answering.</summary>
public sealed class HostileInputTests
{
    public static TheoryData<string> OddPaths =>
    [
        "/",
        "/api/0/",
        "/api/0/organizations/acme",
        "/api/0/organizations//",
        "/api/0/organizations/%00/",
        "/api/0/organizations/%0D%0ASet-Cookie:%20x=1/",
        "/api/0/organizations/%ED%A0%80/",
        "/api/0/organizations/%FF%FE/",
        "/api/0/organizations/..%2F..%2Fetc%2Fpasswd/",
        "/api/0/organizations/%E2%80%AE%F0%9F%98%80/",
        "/api/0/organizations/acme/projects/?cursor=0:1:0&%0D%0A=%0D%0A&q=%ED%A0%80",
        "/api/0/organizations/acme/projects/?per_page=99999999999999999999",
        "/api/0/" + string.Concat(Enumerable.Repeat("a/", 3000)),
        "/api/0/organizations/" + new string('a', 7000) + "/",
    ];

    [Theory]
    [MemberData(nameof(OddPaths))]
    public async Task Odd_paths_and_queries_get_a_clean_answer(string path)
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        var status = await RawStatusAsync(stand, $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");

        Assert.True(status is 200 or (>= 400 and < 500), $"{path}: {status?.ToString() ?? "no answer"}");
        await AssertStillAnswersAsync(stand, token);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(20_000)]
    public async Task A_huge_request_line_is_refused_with_a_4xx_or_a_closed_connection(int length)
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        var status = await RawStatusAsync(stand, $"GET /api/0/{new string('x', length)}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");

        Assert.True(status is null or (>= 400 and < 500), $"{status}");
        await AssertStillAnswersAsync(stand, token);
    }

    [Theory]
    [InlineData("Bearer abc\u0001def")]
    [InlineData("Bearer \u007f")]
    [InlineData("Bearer\tabc")]
    [InlineData("Bearer abc\u0000")]
    [InlineData("Bearer \u00e9\u00e8")]
    [InlineData("Bearer kc_at_\u001b[31m")]
    public async Task Control_characters_in_the_Authorization_header_get_a_4xx(string authorization)
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        var status = await RawStatusAsync(stand, $"GET /api/0/organizations/acme/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n", Encoding.Latin1);

        Assert.True(status is >= 400 and < 500, $"{status?.ToString() ?? "no answer"}");
        await AssertStillAnswersAsync(stand, token);
    }

    [Fact]
    public async Task A_huge_Authorization_header_and_a_wrong_method_get_a_4xx()
    {
        await using var stand = await Stand.StartAsync();
        var token = await stand.TokenAsync("alice", "org:read");

        var huge = await RawStatusAsync(stand, $"GET /api/0/organizations/acme/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {new string('t', 60_000)}\r\nConnection: close\r\n\r\n");
        using var patch = await stand.SendAsync("PATCH", "/api/0/organizations/acme/", token);

        Assert.True(huge is null or (>= 400 and < 500), $"{huge}");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patch.StatusCode);
        Assert.Contains("GET", patch.Content.Headers.Allow);
        Assert.Equal("{\"detail\":\"Method \\u0022PATCH\\u0022 not allowed.\"}", await patch.Content.ReadAsStringAsync(Stand.Ct));
        await AssertStillAnswersAsync(stand, token);
    }

    private static async Task AssertStillAnswersAsync(Stand stand, string token)
    {
        using var response = await stand.SendAsync("GET", "/api/0/organizations/acme/", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Sends raw bytes (HttpClient refuses control characters) and reads the status code of the answer; null when the
    /// server closed the connection before answering (Kestrel may reset a connection whose oversized request it did
    /// not read to the end: a refusal, not an error).
    /// </summary>
    private static async Task<int?> RawStatusAsync(Stand stand, string request, Encoding? encoding = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(stand.Sentry.BaseUrl.Host, stand.Sentry.BaseUrl.Port, Stand.Ct);
        var stream = client.GetStream();
        var received = new StringBuilder();
        try
        {
            await stream.WriteAsync((encoding ?? Encoding.UTF8).GetBytes(request), Stand.Ct);
            var buffer = new byte[64 * 1024];
            while (!received.ToString().Contains("\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, Stand.Ct);
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (IOException) when (received.Length == 0)
        {
            return null;
        }

        var statusLine = received.ToString().Split("\r\n")[0];
        if (statusLine.Length == 0)
        {
            return null;
        }

        Assert.StartsWith("HTTP/1.1 ", statusLine, StringComparison.Ordinal);
        return int.Parse(statusLine.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }
}
