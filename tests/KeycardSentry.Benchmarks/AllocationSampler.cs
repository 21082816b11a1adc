using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace KeycardSentry.Benchmarks;

/// <summary>
/// Profiling aid: listens to the runtime's allocation ticks (one event about every 100 KB allocated, naming the type of
/// the object that crossed the mark) and estimates bytes per operation by type. The ticks sample allocations in
/// proportion to their size, so a type's share of ticks is its share of the bytes allocated.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GCAllocationTickV4 = 10;
    private const EventKeywords GCKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);
    private volatile bool _counting;

    public void Start() => _counting = true;

    public void Stop() => _counting = false;

    /// <summary>Prints the types with the largest estimated share of <paramref name="bytesPerOp"/>.</summary>
    public void Print(TextWriter writer, double bytesPerOp, int top = 25)
    {
        var total = _ticks.Values.Sum();
        if (total == 0)
        {
            writer.WriteLine("profile: no allocation ticks seen (run longer)");
            return;
        }

        writer.WriteLine($"profile: {total} allocation ticks; estimated bytes/op by type (share of ticks x {bytesPerOp:0} B/op):");
        foreach (var (type, ticks) in _ticks.OrderByDescending(p => p.Value).Take(top))
        {
            writer.WriteLine($"  {bytesPerOp * ticks / total,8:0} B/op  {100.0 * ticks / total,5:0.0}%  {type}");
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GCKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_counting || eventData.EventId != GCAllocationTickV4 || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var index = eventData.PayloadNames.IndexOf("TypeName");
        var type = index >= 0 ? eventData.Payload[index] as string ?? "?" : "?";
        _ticks.AddOrUpdate(type, 1, static (_, n) => n + 1);
    }
}
