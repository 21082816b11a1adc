using Xunit;

namespace KeycardSentry.Abstractions.Tests;

public sealed class KeycardSubjectTests
{
    [Fact]
    public void NestedScopesRestoreTheOuterSubject()
    {
        Assert.Null(KeycardSubject.Current);
        using (KeycardSubject.Use("alice"))
        {
            using (KeycardSubject.Use("bob"))
            {
                Assert.Equal("bob", KeycardSubject.Current);
            }

            Assert.Equal("alice", KeycardSubject.Current);
        }

        Assert.Null(KeycardSubject.Current);
    }

    [Fact]
    public void AnOuterScopeDisposedFirstChangesNothingAndIsNeverRestoredLater()
    {
        var alice = KeycardSubject.Use("alice");
        var bob = KeycardSubject.Use("bob");

        alice.Dispose();
        Assert.Equal("bob", KeycardSubject.Current);   // bob's scope is still open: alice's dispose must not touch it

        bob.Dispose();
        Assert.Null(KeycardSubject.Current);           // not "alice": her scope is closed, her token is stale
    }

    [Fact]
    public void OutOfOrderDisposalInTheMiddleRestoresTheNearestOpenScope()
    {
        using var alice = KeycardSubject.Use("alice");
        var bob = KeycardSubject.Use("bob");
        var carol = KeycardSubject.Use("carol");

        bob.Dispose();
        Assert.Equal("carol", KeycardSubject.Current);
        carol.Dispose();
        Assert.Equal("alice", KeycardSubject.Current);
    }

    [Fact]
    public void DisposingTwiceIsHarmless()
    {
        var alice = KeycardSubject.Use("alice");
        alice.Dispose();
        using (KeycardSubject.Use("bob"))
        {
            alice.Dispose();
            Assert.Equal("bob", KeycardSubject.Current);
        }

        Assert.Null(KeycardSubject.Current);
    }

    [Fact]
    public async Task AScopeFlowsIntoAsyncCallsButNotBackOut()
    {
        async Task<string?> Inner()
        {
            await Task.Yield();
            return KeycardSubject.Current;
        }

        async Task SetInChild()
        {
            await Task.Yield();
            KeycardSubject.Use("mallory");
        }

        using (KeycardSubject.Use("alice"))
        {
            Assert.Equal("alice", await Inner());
            await SetInChild();
            Assert.Equal("alice", KeycardSubject.Current);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void ABlankTokenIsRefused(string token) =>
        Assert.Throws<ArgumentException>(() => KeycardSubject.Use(token));
}
