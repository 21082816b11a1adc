using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace KeycardSentry.AspNetCore.Tests.Infrastructure;

/// <summary>Sends a request byte for byte (Latin-1) over a socket, for headers no HTTP client would send as given.</summary>
internal static class RawHttp
{
    /// <summary>Sends <c>GET {path}</c> with <paramref name="headerLines"/> (each without CRLF) and returns the status code.</summary>
    public static async Task<int> GetStatusAsync(Uri baseUrl, string path, IEnumerable<string> headerLines, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUrl.Host, baseUrl.Port, cancellationToken);
        var stream = tcp.GetStream();
        var request = new StringBuilder()
            .Append("GET ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(baseUrl.Authority).Append("\r\n");
        foreach (var line in headerLines)
        {
            request.Append(line).Append("\r\n");
        }

        request.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), cancellationToken);

        using var reader = new StreamReader(stream, Encoding.Latin1);
        var status = await reader.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("The server closed the connection without a status line.");
        return int.Parse(status.Split(' ')[1], CultureInfo.InvariantCulture); // "HTTP/1.1 401 Unauthorized"
    }
}
