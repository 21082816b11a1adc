namespace KeycardSentry.Orleans.Tests.Infrastructure;

/// <summary>
/// The test classes that start silo, client and redis processes run one at a time (each still beside the in-process
/// tests), so few .NET processes start at once: with all of them together on a busy 2-core machine, the TLS load
/// client's handshakes missed Orleans' 5-second connection timeout (seen in full runs, never in the class alone).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
}
