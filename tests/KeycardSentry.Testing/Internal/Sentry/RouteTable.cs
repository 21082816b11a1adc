namespace KeycardSentry.Testing.Internal.Sentry;

/// <summary>
/// Matches request paths against the spec's path templates, segment by segment, the way Django's URL patterns do for
/// Sentry: a parameter matches one non-empty segment (<c>[^/]+</c>), the trailing slash is significant, and a literal
/// segment is tried before a parameter. A segment may mix text and one parameter (<c>{name}.json</c>).
/// </summary>
internal sealed class RouteTable
{
    /// <summary>Paths with more segments than this match nothing (and cost nothing to reject).</summary>
    public const int MaxSegments = 64;

    private readonly Node _root = new();

    /// <summary>Adds an operation; throws when another operation has the same method on the same path shape.</summary>
    public void Add(OperationModel operation)
    {
        var node = _root;
        foreach (var segment in operation.Segments)
        {
            node = segment.IsParameter ? node.ParameterChild(segment.Prefix, segment.Suffix) : node.LiteralChild(segment.Prefix);
        }

        if (!node.ByMethod.TryAdd(operation.Operation.Method, operation))
        {
            throw new InvalidOperationException(
                $"The spec has two operations for {operation.Operation.Method} on the same path: " +
                $"'{node.ByMethod[operation.Operation.Method].Operation.PathTemplate}' and '{operation.Operation.PathTemplate}'.");
        }
    }

    /// <summary>Finds the operation for a decoded request path and method.</summary>
    public RouteMatch Match(string path, string method)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            return RouteMatch.NotFound;
        }

        var segments = path[1..].Split('/');
        if (segments.Length > MaxSegments)
        {
            return RouteMatch.NotFound;
        }

        var values = new string[segments.Length];
        Node? pathOnly = null;
        var found = Find(_root, segments, 0, values, method, ref pathOnly);
        if (found is not null)
        {
            return RouteMatch.Found(found, found.Parameters(values));
        }

        return pathOnly is null
            ? RouteMatch.NotFound
            : RouteMatch.MethodNotAllowed([.. pathOnly.ByMethod.Keys.Order(StringComparer.Ordinal)]);
    }

    private static OperationModel? Find(Node node, string[] segments, int index, string[] values, string method, ref Node? pathOnly)
    {
        if (index == segments.Length)
        {
            if (node.ByMethod.Count == 0)
            {
                return null;
            }

            if (node.ByMethod.TryGetValue(method, out var operation))
            {
                return operation;
            }

            pathOnly ??= node; // the path exists, not with this method: 405 unless another branch has it
            return null;
        }

        var segment = segments[index];
        if (node.Literals.TryGetValue(segment, out var literal)
            && Find(literal, segments, index + 1, values, method, ref pathOnly) is { } viaLiteral)
        {
            return viaLiteral;
        }

        foreach (var (prefix, suffix, child) in node.Parameters)
        {
            if (segment.Length > prefix.Length + suffix.Length
                && segment.StartsWith(prefix, StringComparison.Ordinal)
                && segment.EndsWith(suffix, StringComparison.Ordinal))
            {
                values[index] = segment[prefix.Length..^suffix.Length];
                if (Find(child, segments, index + 1, values, method, ref pathOnly) is { } viaParameter)
                {
                    return viaParameter;
                }
            }
        }

        return null;
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Literals { get; } = new(StringComparer.Ordinal);

        /// <summary>Parameter edges, the most specific (longest fixed text) first.</summary>
        public List<(string Prefix, string Suffix, Node Child)> Parameters { get; } = [];

        public Dictionary<string, OperationModel> ByMethod { get; } = new(StringComparer.Ordinal);

        public Node LiteralChild(string text)
        {
            if (!Literals.TryGetValue(text, out var child))
            {
                Literals[text] = child = new Node();
            }

            return child;
        }

        public Node ParameterChild(string prefix, string suffix)
        {
            foreach (var edge in Parameters)
            {
                if (edge.Prefix == prefix && edge.Suffix == suffix)
                {
                    return edge.Child;
                }
            }

            var child = new Node();
            Parameters.Add((prefix, suffix, child));
            Parameters.Sort((a, b) => (b.Prefix.Length + b.Suffix.Length).CompareTo(a.Prefix.Length + a.Suffix.Length));
            return child;
        }
    }
}

/// <summary>The outcome of <see cref="RouteTable.Match"/>.</summary>
internal sealed record RouteMatch(OperationModel? Operation, IReadOnlyDictionary<string, string> PathParameters, IReadOnlyList<string> AllowedMethods)
{
    public static readonly RouteMatch NotFound = new(null, new Dictionary<string, string>(), []);

    public static RouteMatch Found(OperationModel operation, IReadOnlyDictionary<string, string> parameters) => new(operation, parameters, []);

    public static RouteMatch MethodNotAllowed(IReadOnlyList<string> allowed) => new(null, new Dictionary<string, string>(), allowed);
}
