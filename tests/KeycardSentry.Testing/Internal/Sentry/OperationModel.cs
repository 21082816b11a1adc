namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>An operation of the spec with what the stand-in needs to route and answer it.</summary>
internal sealed class OperationModel
{
    public OperationModel(SentryOperation operation, SchemaNode? responseSchema)
    {
        Operation = operation;
        ResponseSchema = responseSchema;
        Segments = TemplateSegment.Parse(operation.PathTemplate);
    }

    public SentryOperation Operation { get; }

    /// <summary>The success response's schema; null when the success answer has no body.</summary>
    public SchemaNode? ResponseSchema { get; }

    /// <summary>The template after its leading slash, split at every <c>/</c> (a trailing slash is a last, empty segment).</summary>
    public IReadOnlyList<TemplateSegment> Segments { get; }

    /// <summary>The name of the parameter in the template's last segment, when the path addresses one resource (<c>.../{id}/</c>).</summary>
    public string? AddressedParameter =>
        Segments.Count >= 2 && Segments[^1] is { IsParameter: false, Prefix: "" } && Segments[^2] is { IsParameter: true, Prefix: "", Suffix: "" } last
            ? last.Name
            : null;

    /// <summary>The path parameters by name, from the values matched per segment.</summary>
    public IReadOnlyDictionary<string, string> Parameters(string[] values)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Segments.Count && i < values.Length; i++)
        {
            if (Segments[i].IsParameter)
            {
                parameters[Segments[i].Name] = values[i];
            }
        }

        return parameters;
    }
}

/// <summary>One segment of a path template: literal text, or <c>prefix{name}suffix</c>.</summary>
internal readonly record struct TemplateSegment(bool IsParameter, string Prefix, string Name, string Suffix)
{
    public static IReadOnlyList<TemplateSegment> Parse(string template)
    {
        if (!template.StartsWith('/'))
        {
            throw new InvalidOperationException($"The path '{template}' does not start with '/'.");
        }

        var segments = new List<TemplateSegment>();
        foreach (var part in template[1..].Split('/'))
        {
            var open = part.IndexOf('{', StringComparison.Ordinal);
            var close = part.IndexOf('}', StringComparison.Ordinal);
            if (open < 0 && close < 0)
            {
                segments.Add(new TemplateSegment(false, part, string.Empty, string.Empty));
                continue;
            }

            if (open < 0 || close < open + 2 || part.IndexOf('{', open + 1) >= 0 || part.IndexOf('}', close + 1) >= 0)
            {
                throw new InvalidOperationException($"The path '{template}' has a segment '{part}' that is not text with at most one {{parameter}}.");
            }

            segments.Add(new TemplateSegment(true, part[..open], part[(open + 1)..close], part[(close + 1)..]));
        }

        return segments;
    }
}
