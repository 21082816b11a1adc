using System.Globalization;
using System.Net;

namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>
/// Linux only: the TCP endpoints of a process's sockets (its <c>/proc/{pid}/fd</c> socket inodes matched in
/// <c>/proc/{pid}/net/tcp</c> and <c>tcp6</c>), and the processes that carry an environment marker.
/// </summary>
internal static class ProcessSockets
{
    public static bool Supported => OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd");

    /// <summary>The local and remote endpoints of the process's TCP sockets now (empty once it has exited).</summary>
    public static IReadOnlyList<(IPEndPoint Local, IPEndPoint Remote)> Of(int pid)
    {
        try
        {
            var inodes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }

            var sockets = new List<(IPEndPoint, IPEndPoint)>();
            foreach (var table in new[] { "tcp", "tcp6" })
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/net/{table}").Skip(1))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 9 && inodes.Contains(fields[9]))
                    {
                        sockets.Add((Parse(fields[1]), Parse(fields[2])));
                    }
                }
            }

            return sockets;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return []; // the process has exited (or its table cannot be read)
        }
    }

    /// <summary>Ids of the running processes whose environment holds <paramref name="marker"/> (children inherit it).</summary>
    public static IReadOnlyList<int> WithEnvironmentMarker(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "environ")).Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>True for 127.0.0.0/8, ::1 and IPv4-mapped loopback.</summary>
    public static bool IsLoopback(IPAddress address) => IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>The unspecified address (a listening or unconnected socket's remote end, or a listener on every interface).</summary>
    public static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    // "0100007F:1F90" (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order.
    private static IPEndPoint Parse(string field)
    {
        var (hex, port) = (field[..field.IndexOf(':', StringComparison.Ordinal)], int.Parse(field[(field.IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new IPEndPoint(new IPAddress(bytes), port);
    }
}
