namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>
/// Waits for work that finishes in the background (a refresh landing in a grain) by asking again until the answer
/// shows it, bounded by a generous deadline: no clock arithmetic depends on how fast the machine is.
/// </summary>
internal static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> ask, Func<T, bool> done, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var answer = await ask();
            if (done(answer))
            {
                return answer;
            }

            await Task.Delay(10, deadline.Token);
        }
    }
}
