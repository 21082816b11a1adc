using System.Buffers;

namespace KeycardSentry.Internal;

/// <summary>Reads an HTTP body up to a limit, so a hostile or broken server cannot make us buffer an unbounded answer.</summary>
internal static class BoundedContent
{
    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> of <paramref name="content"/>. When the body is longer (by its
    /// <c>Content-Length</c>, or by what arrives) the rest is not read and <c>TooLarge</c> is true.
    /// </summary>
    public static async Task<(byte[] Body, bool TooLarge)> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            return ([], true);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var total = 0;
                int read;
                while (total <= maxBytes && (read = await stream.ReadAsync(buffer.AsMemory(total, maxBytes + 1 - total), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }

                return total > maxBytes ? ([], true) : (buffer.AsSpan(0, total).ToArray(), false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
