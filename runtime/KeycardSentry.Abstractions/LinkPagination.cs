using System.Net.Http.Headers;
using System.Runtime.CompilerServices;

namespace KeycardSentry;

/// <summary>One fetched page of a paginated operation: its items and the cursor of the next page (from its Link header).</summary>
/// <typeparam name="T">The item type.</typeparam>
public readonly record struct LinkPage<T>
{
    /// <summary>Creates the page; the next cursor is read from <paramref name="headers"/> now (see <see cref="LinkHeader.GetNextCursor"/>).</summary>
    /// <param name="items">The page's items (null reads as none).</param>
    /// <param name="headers">The response headers carrying the Link header.</param>
    public LinkPage(IReadOnlyList<T>? items, HttpHeaders? headers)
    {
        Items = items ?? [];
        NextCursor = LinkHeader.GetNextCursor(headers);
    }

    /// <summary>The page's items.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>The cursor of the next page, or null on the last page.</summary>
    public string? NextCursor { get; }
}

/// <summary>Walks a cursor-paginated operation page after page; the generated <c>Enumerate…Async</c> helpers call it.</summary>
public static class LinkPagination
{
    /// <summary>
    /// Every item of every page: fetches the first page with a null cursor, then follows <see cref="LinkPage{T}.NextCursor"/>
    /// until there is none (or the server repeats a cursor).
    /// </summary>
    /// <remarks>
    /// The subject (<see cref="KeycardSubject.Current"/>) is captured when the enumeration starts, and every page is
    /// fetched under it, so pages fetched later, outside the <see cref="KeycardSubject.Use"/> block or in another
    /// user's flow, still go out for the user who started. An exception from <paramref name="fetchPage"/> (e.g. Refit's
    /// <c>ApiException</c> for a failed page) ends the enumeration. Cancellation is checked before each page and each item.
    /// </remarks>
    /// <param name="fetchPage">Fetches the page at a cursor (null for the first page).</param>
    /// <param name="cancellationToken">Cancels the enumeration (combined with <c>WithCancellation</c>).</param>
    public static async IAsyncEnumerable<T> EnumerateAsync<T>(
        Func<string?, CancellationToken, Task<LinkPage<T>>> fetchPage,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetchPage);
        var subject = KeycardSubject.Current;
        string? cursor = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LinkPage<T> page;
            using (subject is null ? null : KeycardSubject.Use(subject))
            {
                page = await fetchPage(cursor, cancellationToken).ConfigureAwait(false);
            }

            foreach (var item in page.Items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return item;
            }

            if (page.NextCursor is null || page.NextCursor == cursor)
            {
                yield break;
            }

            cursor = page.NextCursor;
        }
    }
}
