using KeycardSentry.Internal;
using KeycardSentry.Testing;
using KeycardSentry.Tests.Support;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>
/// Issue 7, item 12: eviction while other threads add, read and remove. The bounded map behind every cache is hammered
/// from 16 threads while it evicts; the in-process provider serves 3× its <c>CacheSizeLimit</c> users (and 3× the
/// subject validation cache's size) to 16 concurrent callers. No caller may see an exception.
/// </summary>
public sealed class HardeningEvictionTests
{
    private const int Threads = 16;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BoundedCache_survives_16_threads_adding_setting_reading_and_removing_while_it_evicts()
    {
        const int capacity = 100;
        long clock = 0;
        var cache = new BoundedCache<int, Item>(capacity, item => item.Expired, item => item.Stamp);
        var evicted = 0L;

        var workers = Enumerable.Range(0, Threads).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            for (var op = 0; op < 20_000; op++)
            {
                var key = random.Next(capacity * 3);
                var item = new Item(key, Interlocked.Increment(ref clock), Expired: random.Next(10) == 0);
                switch (random.Next(4))
                {
                    case 0:
                        Assert.Equal(key, cache.GetOrAdd(key, static (k, state) => state, item).Key);
                        break;
                    case 1:
                        Interlocked.Add(ref evicted, cache.Set(key, item));
                        break;
                    case 2:
                        if (cache.TryGetValue(key, out var found))
                        {
                            Assert.Equal(key, found.Key);
                            cache.Remove(key, found);
                        }

                        break;
                    default:
                        if (cache.TryGetValue(key, out var read))
                        {
                            Assert.Equal(key, read.Key);
                        }

                        break;
                }
            }
        }, Ct)).ToArray();
        await Task.WhenAll(workers);

        TestContext.Current.TestOutputHelper?.WriteLine($"{Threads} × 20 000 operations on {capacity * 3} keys: {Volatile.Read(ref evicted)} evicted by Set, {cache.Count} left");
        Assert.InRange(cache.Count, 1, capacity);
        Assert.True(Volatile.Read(ref evicted) > 0, "the cache was made to evict");
    }

    [Fact]
    public async Task Sixteen_callers_and_three_times_CacheSizeLimit_users_see_no_failure()
    {
        const int limit = 100;
        await using var zone = await LocalKeycardZone.StartAsync();
        await using var app = await TestApp.StartAsync(zone, keycard: o => (o.CacheSizeLimit, o.SubjectValidationCacheSize) = (limit, limit));
        var provider = (InProcessKeycardTokenProvider)app.Tokens;
        var subjects = Enumerable.Range(0, 3 * limit).Select(i => zone.MintSubjectToken($"user{i}")).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var served = 0;

        var callers = Enumerable.Range(0, Threads).Select(caller => Task.Run(async () =>
        {
            // Each caller walks every user from its own starting point: all 300 users are live at once, in every order.
            for (var i = 0; i < subjects.Length; i++)
            {
                var user = (caller * 37 + i) % subjects.Length;
                try
                {
                    var token = await app.Tokens.GetTokenAsync(new KeycardTokenRequest(subjects[user], TestApp.Resource), Ct);
                    if (!zone.TryResolveAccessToken(token.AccessToken, out var issued) || issued.User != $"user{user}")
                    {
                        failures.Add($"user{user} got another user's token");
                    }

                    Interlocked.Increment(ref served);
                }
                catch (Exception ex)
                {
                    failures.Add($"user{user}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }, Ct)).ToArray();
        await Task.WhenAll(callers);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Threads} callers × {subjects.Length} users (limit {limit}): {served} served, {failures.Count} failures, {zone.TotalExchanges} exchanges, " +
            $"{provider.Count} tables and {((SubjectTokenValidator)app.Validator).CachedValidations} validations kept");
        Assert.Empty(failures);
        Assert.Equal(Threads * subjects.Length, served);
        Assert.InRange(provider.Count, 1, limit);
        Assert.InRange(((SubjectTokenValidator)app.Validator).CachedValidations, 1, limit);
    }

    private sealed record Item(int Key, long Stamp, bool Expired);
}
