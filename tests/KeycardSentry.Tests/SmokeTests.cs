using KeycardSentry.Testing;
using Xunit;

namespace KeycardSentry.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Token_ToString_hides_the_token()
    {
        var token = new KeycardToken("secret-value", "Bearer", DateTimeOffset.UnixEpoch, ["org:read"]);
        Assert.DoesNotContain("secret-value", token.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Shared_hierarchy_is_found()
    {
        Assert.True(File.Exists(SharedFiles.Require("sentry/scope-hierarchy.json")));
    }
}
