using KeycardSentry.Sentry.Tests.Infrastructure;
using KeycardSentry.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KeycardSentry.Sentry.Tests;

/// <summary>
/// The Keycard zone goes down for five simulated minutes under steady calls through the generated SDK: first it answers
/// 503, then it stops answering (requests held until the exchange time-out, on the injected clock). Everything runs on
/// one <see cref="FakeTimeProvider"/> driven one simulated second at a time, so no assertion depends on how fast the
/// machine is: a call "answered promptly" is one that completed before the clock moved.
/// </summary>
public sealed class ZoneOutageTests
{
    private const int DownFrom = 0;
    private const int TimeoutsFrom = 60;
    private const int BackAt = 300;
    private const int GiveUpAt = 900;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ZoneDownFiveSimulatedMinutes_CallersFailFastFromMemory_AttemptsFollowTheBackOff_ServiceResumesWithoutRestart()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var stand = await SentryStand.StartAsync(new LocalKeycardZoneOptions { TimeProvider = time, SubjectTokenLifetime = TimeSpan.FromHours(2) });
        await using var app = await SentryApp.StartInProcessAsync(stand, time);
        var options = app.Services.GetRequiredService<IOptions<KeycardOptions>>().Value;
        var timeout = (int)options.ExchangeTimeout.TotalSeconds;
        var zone = stand.Zone;

        // Dora got her token before the outage; ana, ben and cai need theirs during it.
        var dora = new Caller("dora", zone.MintSubjectToken("dora"));
        Assert.Null(await dora.CallAsync(app));
        var users = new[] { "ana", "ben", "cai" }.Select(u => new Caller(u, zone.MintSubjectToken(u))).ToArray();
        var requestsBeforeOutage = zone.Requests.Count;

        RequestGate? gate = null;
        zone.FaultHook = _ => FaultResponse.Html(503);
        var t = DownFrom;
        for (; t < GiveUpAt && !users.All(u => u.ServedSince is { } s && t > s + 5); t++)
        {
            if (t == TimeoutsFrom)
            {
                gate = zone.HoldTokenRequests(); // from now on the zone never answers: each attempt ends at the exchange time-out
            }

            if (t == BackAt)
            {
                gate = null;
                zone.StopHolding();
                zone.FaultHook = null;
            }

            foreach (var user in users)
            {
                await user.StepAsync(app, zone, gate, t);
            }

            Assert.Null(await dora.CallAsync(app)); // a cached token is served through the whole outage
            time.Advance(TimeSpan.FromSeconds(1));
            foreach (var user in users)
            {
                await user.SettleAsync(t + 1, timeout);
            }
        }

        var expected = ExpectedAttempts(options, timeout);
        foreach (var user in users)
        {
            // Keycard was asked exactly on the back-off schedule, once per window, never in between.
            Assert.Equal(expected, user.Attempts);

            // Every call made while no attempt was in flight completed before the clock moved, with the typed error.
            Assert.All(user.Answered.Where(a => a.Second < expected[^1]), a =>
            {
                var error = Assert.IsType<KeycardExchangeException>(a.Error);
                Assert.True(error.IsRetryable);
                Assert.Equal(user.Attempts.Last(at => at <= a.Second) < TimeoutsFrom ? "server_error" : "timeout", error.Error);
            });

            // Only calls made while an attempt was held waited, each at most the exchange time-out, and got the typed time-out.
            var held = expected.Count(s => s >= TimeoutsFrom && s < BackAt);
            Assert.Equal(held * timeout, user.Waited.Count);
            Assert.All(user.Waited, w =>
            {
                Assert.InRange(w.Completed - w.Second, 1, timeout);
                Assert.Equal("timeout", Assert.IsType<KeycardExchangeException>(w.Error).Error);
            });

            // Service resumed at the first attempt after the zone came back: one exchange, then every call served.
            Assert.Equal(expected[^1], user.ServedSince);
            Assert.InRange(expected[^1] - BackAt, 0, (int)options.MaxFailureBackoff.TotalSeconds);
            Assert.All(user.Answered.Where(a => a.Second >= expected[^1]), a => Assert.Null(a.Error));
            Assert.Equal(1, zone.ExchangeCount(user.Name));
        }

        Assert.Equal(1, zone.ExchangeCount("dora"));
        Assert.Equal(requestsBeforeOutage + (users.Length * expected.Count), zone.Requests.Count);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{t} simulated seconds, {users.Length} users calling every second: Keycard asked at s = {string.Join(", ", expected)} per user " +
            $"(503s until {TimeoutsFrom}, time-outs of {timeout} s until {BackAt}); {users.Sum(u => u.Answered.Count)} calls answered before the clock moved, " +
            $"{users.Sum(u => u.Waited.Count)} waited for a held attempt; resumed {expected[^1] - BackAt} s after the zone came back; dora served throughout.");
    }

    /// <summary>
    /// The attempts the documented back-off allows: the first at once; after the n-th failure in a row the next no sooner
    /// than FailureBackoff·2^(n-1) (at most MaxFailureBackoff) after it. A 503 fails at once, a held request after the time-out.
    /// </summary>
    private static List<int> ExpectedAttempts(KeycardOptions options, int timeout)
    {
        var attempts = new List<int>();
        var at = DownFrom;
        for (var failures = 1; ; failures++)
        {
            attempts.Add(at);
            int failedAt;
            if (at < TimeoutsFrom)
            {
                failedAt = at;
            }
            else if (at < BackAt && at + timeout <= BackAt)
            {
                failedAt = at + timeout;
            }
            else
            {
                return attempts; // the zone is back: this attempt succeeds
            }

            var wait = options.FailureBackoff * Math.Pow(2, failures - 1);
            at = failedAt + (int)Math.Ceiling((wait < options.MaxFailureBackoff ? wait : options.MaxFailureBackoff).TotalSeconds);
        }
    }

    private sealed class Caller(string name, string subjectToken)
    {
        private readonly List<Task<Exception?>> _pending = [];
        private int? _inFlightSince;

        public string Name => name;

        public List<int> Attempts { get; } = [];

        public List<(int Second, Exception? Error)> Answered { get; } = [];

        public List<(int Second, int Completed, Exception? Error)> Waited { get; } = [];

        public int? ServedSince { get; private set; }

        private List<int> PendingSeconds { get; } = [];

        public async Task<Exception?> CallAsync(SentryApp app)
        {
            using (KeycardSubject.Use(subjectToken))
            {
                await Task.Yield();
                try
                {
                    var organization = await app.Organizations.GetOrganizationAsync("acme", cancellationToken: Ct);
                    Assert.Equal("acme", organization.Slug);
                    return null;
                }
                catch (KeycardExchangeException ex)
                {
                    return ex;
                }
            }
        }

        /// <summary>One call in simulated second <paramref name="t"/>: answered at once, or the start of (or a wait for) an attempt at the zone.</summary>
        public async Task StepAsync(SentryApp app, LocalKeycardZone zone, RequestGate? gate, int t)
        {
            var requestsBefore = RequestsOf(zone);
            var arrivedBefore = gate?.Arrived ?? 0;
            var call = CallAsync(app);
            if (_inFlightSince is not null)
            {
                // An attempt of this user is held at the zone: the call shares it (single flight) and waits for its time-out.
                _pending.Add(call);
                PendingSeconds.Add(t);
                return;
            }

            if (gate is not null && await Task.WhenAny(call, gate.WhenArrivedAsync(arrivedBefore + 1, Ct)) != call)
            {
                // The call started a new attempt, which the zone now holds.
                Attempts.Add(t);
                _inFlightSince = t;
                _pending.Add(call);
                PendingSeconds.Add(t);
                return;
            }

            var error = await call;
            if (RequestsOf(zone) > requestsBefore)
            {
                Attempts.Add(t);
            }

            Answered.Add((t, error));
            if (error is null)
            {
                ServedSince ??= t;
            }
        }

        /// <summary>After the clock reached <paramref name="now"/>: the held attempt's callers complete once its time-out has passed.</summary>
        public async Task SettleAsync(int now, int timeout)
        {
            if (_inFlightSince is not { } since || now < since + timeout)
            {
                return;
            }

            for (var i = 0; i < _pending.Count; i++)
            {
                Waited.Add((PendingSeconds[i], now, await _pending[i]));
            }

            _pending.Clear();
            PendingSeconds.Clear();
            _inFlightSince = null;
        }

        private int RequestsOf(LocalKeycardZone zone) =>
            zone.Requests.Count(r => r.Form.TryGetValue("subject_token", out var token) && token == subjectToken);
    }
}
