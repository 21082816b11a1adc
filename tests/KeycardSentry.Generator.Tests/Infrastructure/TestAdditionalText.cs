using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KeycardSentry.Generator.Tests.Infrastructure;

/// <summary>An in-memory AdditionalFiles item that counts how often its text is read.</summary>
internal sealed class TestAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);
    private int _reads;

    public override string Path { get; } = path;

    /// <summary>How many times <see cref="GetText"/> was called (the incremental tests want no needless re-reads).</summary>
    public int Reads => Volatile.Read(ref _reads);

    public override SourceText GetText(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return _text;
    }
}
