namespace KeycardSentry.MemoryHarness;

/// <summary>The floor of a cached user: a grain activation with the same kind of key that holds nothing.</summary>
public interface IMemoryFloorGrain : IGrainWithStringKey
{
    /// <summary>Activates the grain, if it is not active yet.</summary>
    Task PingAsync();
}

/// <inheritdoc cref="IMemoryFloorGrain" />
public sealed class MemoryFloorGrain : Grain, IMemoryFloorGrain
{
    /// <inheritdoc />
    public Task PingAsync() => Task.CompletedTask;
}
