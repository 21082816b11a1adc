using System.Net.Http.Headers;
using Xunit;

namespace KeycardSentry.Abstractions.Tests;

public sealed class LinkPaginationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryPageIsFetchedUnderTheSubjectCurrentWhenEnumerationStarted()
    {
        var seen = new List<(string? Cursor, string? Subject)>();
        IAsyncEnumerator<int> items;
        using (KeycardSubject.Use("alice"))
        {
            items = LinkPagination.EnumerateAsync<int>((cursor, _) => Page(seen, cursor, 3), Ct).GetAsyncEnumerator(Ct);
            Assert.True(await items.MoveNextAsync());   // page 1 under alice
        }

        Assert.True(await items.MoveNextAsync());       // outside any Use block: page 2
        using (KeycardSubject.Use("bob"))
        {
            Assert.True(await items.MoveNextAsync());   // in bob's flow: page 3
            Assert.False(await items.MoveNextAsync());
            Assert.Equal("bob", KeycardSubject.Current); // the helper's own scope never leaks into the caller
        }

        await items.DisposeAsync();
        Assert.Equal([(null, "alice"), ("1", "alice"), ("2", "alice")], seen);
        Assert.Null(KeycardSubject.Current);
    }

    [Fact]
    public async Task WithoutASubjectPagesUseWhateverIsCurrentWhenFetched()
    {
        var seen = new List<(string? Cursor, string? Subject)>();
        var items = LinkPagination.EnumerateAsync<int>((cursor, _) => Page(seen, cursor, 2), Ct).GetAsyncEnumerator(Ct);
        Assert.True(await items.MoveNextAsync());
        using (KeycardSubject.Use("bob"))
        {
            Assert.True(await items.MoveNextAsync());
        }

        await items.DisposeAsync();
        Assert.Equal([(null, null), ("1", "bob")], seen);
    }

    [Fact]
    public async Task ARepeatedCursorEndsTheEnumeration()
    {
        var fetches = 0;
        var all = new List<int>();
        await foreach (var item in LinkPagination.EnumerateAsync<int>((_, _) =>
        {
            fetches++;
            return Task.FromResult(new LinkPage<int>([fetches], Link("same")));
        }, Ct))
        {
            all.Add(item);
        }

        Assert.Equal([1, 2], all);
        Assert.Equal(2, fetches);
    }

    [Fact]
    public async Task CancellationStopsBetweenItems()
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<(string? Cursor, string? Subject)>();
        var count = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in LinkPagination.EnumerateAsync<int>((cursor, _) => Page(seen, cursor, 5), Ct).WithCancellation(cts.Token))
            {
                count++;
                cts.Cancel();
            }
        });

        Assert.Equal(1, count);
        Assert.Single(seen);
    }

    private static Task<LinkPage<int>> Page(List<(string? Cursor, string? Subject)> seen, string? cursor, int pages)
    {
        seen.Add((cursor, KeycardSubject.Current));
        var index = cursor is null ? 0 : int.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture);
        var next = index + 1 < pages ? (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new LinkPage<int>([index], next is null ? Link(null, results: false) : Link(next)));
    }

    private static HttpHeaders Link(string? cursor, bool results = true)
    {
        var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation(
            "Link",
            $"<https://x/?cursor=p>; rel=\"previous\"; results=\"false\"; cursor=\"p\", <https://x/>; rel=\"next\"; results=\"{(results ? "true" : "false")}\"; cursor=\"{cursor}\"");
        return response.Headers;
    }
}
