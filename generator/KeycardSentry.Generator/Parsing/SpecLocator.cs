using System;
using KeycardSentry.Generator.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace KeycardSentry.Generator.Parsing;

/// <summary>
/// Finds the text of spec elements (a path key, an operation, an operationId, a scope string) so diagnostics can
/// point at a line and column. The object model of Microsoft.OpenApi carries no positions; a forward text search
/// from the enclosing element is precise enough for JSON written by tools (and never throws).
/// </summary>
internal sealed class SpecLocator
{
    private readonly string _path;
    private readonly string _text;
    private readonly SourceText _source;
    private int? _paths;

    public SpecLocator(string path, string text)
    {
        _path = path;
        _text = text;
        _source = SourceText.From(text);
    }

    /// <summary>The whole first line of the file (for file-level problems).</summary>
    public SpecLocation File => At(0, 0);

    /// <summary>Index of the key <c>"key":</c> at or after <paramref name="start"/>, or -1.</summary>
    public int FindKey(string key, int start)
    {
        if (start < 0 || start >= _text.Length)
        {
            return -1;
        }

        var escaped = JsonEscape(key);
        if (escaped.Length == 0)
        {
            return FindKeyText("\"\"", start);
        }

        // The key's own text is searched and its quotes checked around it: searching for '"key"' stops at every quote
        // of the document (its first and last characters are the most frequent ones in JSON), and is many times slower.
        for (var i = _text.IndexOf(escaped, start + 1, StringComparison.Ordinal); i >= 0; i = _text.IndexOf(escaped, i + 1, StringComparison.Ordinal))
        {
            var end = i + escaped.Length;
            if (_text[i - 1] == '"' && end < _text.Length && _text[end] == '"' && ColonAfter(end + 1))
            {
                return i - 1;
            }
        }

        return -1;
    }

    private int FindKeyText(string needle, int start)
    {
        for (var i = _text.IndexOf(needle, start, StringComparison.Ordinal); i >= 0; i = _text.IndexOf(needle, i + 1, StringComparison.Ordinal))
        {
            if (ColonAfter(i + needle.Length))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True when the first character at or after <paramref name="j"/> that is not white space is a colon.</summary>
    private bool ColonAfter(int j)
    {
        while (j < _text.Length && char.IsWhiteSpace(_text[j]))
        {
            j++;
        }

        return j < _text.Length && _text[j] == ':';
    }

    /// <summary>Index of the quoted string <c>"value"</c> at or after <paramref name="start"/>, or -1.</summary>
    public int FindString(string value, int start) =>
        start < 0 ? -1 : _text.IndexOf("\"" + JsonEscape(value) + "\"", start, StringComparison.Ordinal);

    /// <summary>Index of the path key <paramref name="path"/> under <c>"paths"</c> (from the top when there is none), or -1.</summary>
    public int FindPath(string path)
    {
        // Searched once per locator: every operation starts from it.
        _paths ??= FindKey("paths", 0);
        return FindKey(path, Math.Max(0, _paths.Value));
    }

    /// <summary>Index of the operation <paramref name="method"/> under the path key <paramref name="path"/>.</summary>
    public int FindOperation(string path, string method) => FindKey(method.ToLowerInvariant(), FindPath(path));

    /// <summary>A location for the quoted string <paramref name="value"/> (quotes included) at <paramref name="index"/>.</summary>
    public SpecLocation? StringAt(int index, string value) =>
        index < 0 ? null : At(index, JsonEscape(value).Length + 2);

    /// <summary>A location for the value of <c>"key": "value"</c> after <paramref name="start"/>, else the key, else null.</summary>
    public SpecLocation? KeyValue(string key, string value, int start)
    {
        var keyIndex = FindKey(key, start);
        if (keyIndex < 0)
        {
            return null;
        }

        var valueIndex = FindString(value, keyIndex + key.Length + 2);
        return valueIndex >= 0 ? StringAt(valueIndex, value) : StringAt(keyIndex, key);
    }

    public SpecLocation At(int index, int length)
    {
        index = Math.Max(0, Math.Min(index, _text.Length));
        length = Math.Max(0, Math.Min(length, _text.Length - index));
        var span = new TextSpan(index, length);
        return new SpecLocation(_path, span, _source.Lines.GetLinePositionSpan(span));
    }

    /// <summary>The text index a <see cref="System.Text.Json.JsonException"/> points at (its line and byte in line), or 0.</summary>
    public static int IndexOf(string text, System.Text.Json.JsonException error)
    {
        if (error.LineNumber is not long line)
        {
            return 0;
        }

        var index = 0;
        for (long l = 0; l < line && index < text.Length; l++)
        {
            index = text.IndexOf('\n', index);
            index = index < 0 ? text.Length : index + 1;
        }

        return Math.Min(text.Length, index + (int)(error.BytePositionInLine ?? 0));
    }

    private static string JsonEscape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
