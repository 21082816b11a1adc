using Xunit;

namespace KeycardSentry.Abstractions.Tests;

public sealed class LinkHeaderTests
{
    [Theory]
    [InlineData("<https://x/?cursor=a>; rel=\"previous\"; results=\"false\"; cursor=\"a\", <https://x/?cursor=b>; rel=\"next\"; results=\"true\"; cursor=\"b\"", "b")]
    [InlineData("<https://x/?cursor=b>;rel=next;results=true", "b")]
    [InlineData("<https://x/?cursor=a>; rel=\"previous\"; results=\"true\"; cursor=\"a\", <https://x/?cursor=b>; rel=\"next\"; results=\"false\"; cursor=\"b\"", null)]
    [InlineData("garbage", null)]
    [InlineData("", null)]
    [InlineData("<https://x/?a=1&cursor=1%3A0%3A0>; rel=\"next\"", "1:0:0")]
    [InlineData("<https://x/>; REL=\"prefetch NEXT\"; cursor=\"c\"", "c")]
    [InlineData("<https://x/?cursor=d>; rel=\"next\"; cursor=\"d", "d")]
    [InlineData("<unterminated; rel=\"next\"", null)]
    public void GetNextCursorIsTolerant(string header, string? expected)
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Link", header);
        Assert.Equal(expected, LinkHeader.GetNextCursor(response.Headers));
    }

    [Fact]
    public void NoHeaderMeansNoNextPage()
    {
        using var response = new HttpResponseMessage();
        Assert.Null(LinkHeader.GetNextCursor(response.Headers));
        Assert.Null(LinkHeader.GetNextCursor(null));
    }

    [Fact]
    public void ParseReadsEveryEntryAndItsParameters()
    {
        var entries = LinkHeader.Parse("<https://x/p>; rel=\"previous\"; results=\"false\"; cursor=\"0:0:1\", <https://x/n> ;rel=next ; Cursor=\"0:100:0\"");

        Assert.Equal(2, entries.Count);
        Assert.Equal("https://x/p", entries[0].Url);
        Assert.Equal("previous", entries[0].Rel);
        Assert.False(entries[0].HasResults);
        Assert.Equal("https://x/n", entries[1].Url);
        Assert.True(entries[1].IsRel("next"));
        Assert.True(entries[1].HasResults);
        Assert.Equal("0:100:0", entries[1].Cursor);
    }
}
