using System.Text.RegularExpressions;

namespace KeycardSentry.SpecImport;

/// <summary>
/// Gives every shape a name a user would write, deterministically: the same set of shapes gets the same names whatever
/// order the document lists its operations in.
/// </summary>
/// <remarks>
/// <para>First, names the previous import used stay put (<see cref="NameMemory"/>): the same shape keeps its name, and a
/// shape that changed keeps the name of what used to stand where it stands.</para>
/// <para>Then each remaining shape claims candidate names from the places it is used, best first:</para>
/// <list type="number">
/// <item>at a response's root, the operation's noun: getOrganizationMonitor → <c>Monitor</c>, the items of
/// listOrganizationMonitorCheckins → <c>MonitorCheckin</c>, listOrganizationReplays' object → <c>ReplaysResponse</c>
/// and its <c>data</c> items → <c>Replay</c>; a request body → <c>{Operation}Request</c>;</item>
/// <item>at a root, Sentry's own component name for the same shape, when it reads as a name (not <c>…Response</c>,
/// <c>…Dict</c>, <c>…Serializer</c>, <c>Get…</c>): <c>ProjectSummary</c>; for a nested shape, its parent's name and
/// property (<c>OrganizationAvatar</c>), or the bare property (<c>Avatar</c>) when the same shape sits under that
/// property in several types;</item>
/// <item>at a root, the noun with its scope word (<c>TeamMember</c>, <c>OrganizationIssue</c>); nested, Sentry's
/// component name;</item>
/// <item>the operation and the path (<c>ListOrganizationIssuesItem</c>), which no other shape can claim.</item>
/// </list>
/// <para>Claims are granted in order of tier, then of the place (a get's response before a list's items before other
/// responses before nested uses before request bodies), then to the shape used most, then to the shorter name; a
/// taken name passes to the next claim. Shapes are named roots first, then level by level, since a nested name
/// includes its parent's.</para>
/// </remarks>
internal sealed partial class TypeNamer
{
    private static readonly HashSet<string> Generic = new(StringComparer.Ordinal)
    {
        "Data", "Meta", "Links", "Error", "Errors", "Value", "Item", "Items", "Options", "Config", "Settings", "Status",
        "Flags", "Info", "Details", "Result", "Results", "Children", "Attributes", "Metadata", "Stats", "Context", "Tags",
        "Tag", "Filters", "Filter", "Query", "Response", "Request", "Type", "Object",
    };

    private readonly List<Shape> _shapes;
    private readonly IReadOnlyDictionary<string, string> _publishedNames;
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    /// <param name="shapes">The shapes to name.</param>
    /// <param name="publishedNames">Shape key → the published component name of that shape, where it reads as a name.</param>
    public TypeNamer(IEnumerable<Shape> shapes, IReadOnlyDictionary<string, string> publishedNames)
    {
        _shapes = shapes.OrderBy(s => s.FirstPosition, StringComparer.Ordinal).ThenBy(s => s.Key, StringComparer.Ordinal).ToList();
        _publishedNames = publishedNames;
    }

    public void NameAll(NameMemory? memory)
    {
        memory?.Apply(_shapes, _taken);
        Grant(_shapes.Where(s => s.Name is null).SelectMany(RootClaims));
        while (Grant(_shapes.Where(s => s.Name is null).SelectMany(NestedClaims)))
        {
        }

        foreach (var shape in _shapes.Where(s => s.Name is null))
        {
            var first = shape.Occurrences.MinBy(o => o.Position, StringComparer.Ordinal)!;
            shape.Name = Unique(Words.Pascal(first.Operation.OperationId) + RelName(first.Role == "body" ? "Request" + first.Rel : first.Rel));
        }
    }

    /// <summary>Whether a published component name reads as a type name (Sentry's serializer suffixes and verb prefixes do not).</summary>
    public static bool ReadsAsName(string name) => NamePattern().IsMatch(name) && !UnclearName().IsMatch(name);

    private IEnumerable<Claim> RootClaims(Shape shape)
    {
        foreach (var occurrence in shape.Occurrences.Where(o => o.Parent is null))
        {
            var id = occurrence.Operation.OperationId;
            var (verb, _) = OperationNames.Verb(id);
            var noun = OperationNames.Noun(id, keepScope: false);
            var scoped = OperationNames.Noun(id, keepScope: true);
            var pascal = Words.Pascal(id);
            if (occurrence.Role == "body")
            {
                // Verb and noun without the scope word, so operations sharing a body share its name: createOrganizationProject
                // and createTeamProject both send a CreateProjectRequest.
                yield return NewClaim(shape, 0, Place.RequestBody, OperationNames.VerbPhrase(id) + noun + "Request");
                yield return NewClaim(shape, 1, Place.RequestBody, pascal + "Request");
            }
            else if (occurrence.Rel.Length == 0)
            {
                // A list's object, or an envelope whose "data" holds the subject, is the response; the subject takes the noun.
                var suffix = verb == "list" || IsEnvelope(shape) ? "Response" : string.Empty;
                yield return NewClaim(shape, 0, verb == "get" ? Place.GetResponse : verb == "list" ? Place.ListItem : Place.OtherResponse, noun + suffix);
                yield return NewClaim(shape, 2, Place.OtherResponse, scoped + suffix);
                yield return NewClaim(shape, 3, Place.Nested, pascal + "Response");
            }
            else if (ItemsOnly().IsMatch(occurrence.Rel))
            {
                yield return NewClaim(shape, 0, Place.ListItem, Words.Singular(noun));
                yield return NewClaim(shape, 2, Place.ListItem, Words.Singular(scoped));
                yield return NewClaim(shape, 3, Place.Nested, pascal + "Item");
            }
            else
            {
                yield return NewClaim(shape, 3, Place.Nested, pascal + RelName(occurrence.Rel));
            }
        }

        if (_publishedNames.TryGetValue(shape.Key, out var published) && shape.Occurrences.Any(o => o.Parent is null))
        {
            yield return NewClaim(shape, 1, Place.Nested, published);
        }
    }

    private IEnumerable<Claim> NestedClaims(Shape shape)
    {
        var parentsByBase = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var occurrence in shape.Occurrences.Where(o => o.Parent?.Shape.Name is not null))
        {
            var parent = occurrence.Parent!;
            var name = RelName(occurrence.RelInParent);
            if (IsEnvelopeData(occurrence))
            {
                var noun = OperationNames.Noun(parent.Operation.OperationId, keepScope: false);
                yield return NewClaim(shape, 0, Place.ListItem, occurrence.RelInParent.StartsWith("/data[]", StringComparison.Ordinal) ? Words.Singular(noun) : noun);
            }

            if (!parentsByBase.TryGetValue(name, out var parents))
            {
                parentsByBase[name] = parents = new HashSet<string>(StringComparer.Ordinal);
            }

            parents.Add(parent.Shape.Name!);
            yield return NewClaim(shape, 1, Place.Nested, parent.Shape.Name + name);
        }

        foreach (var (name, parents) in parentsByBase)
        {
            if (parents.Count > 1 && name.Length > 0 && !Generic.Contains(name) && !name.StartsWith("Variant", StringComparison.Ordinal))
            {
                yield return NewClaim(shape, 0, Place.Nested, name);
            }
        }

        // Only once a parent is named, so a shape deeper down cannot take a name before its peers can claim it.
        if (parentsByBase.Count > 0 && _publishedNames.TryGetValue(shape.Key, out var published))
        {
            yield return NewClaim(shape, 2, Place.Nested, published);
        }
    }

    /// <summary>An object whose <c>data</c> property holds a shape (or a list of them).</summary>
    private static bool IsEnvelope(Shape shape) =>
        shape.Body["properties"]?["data"] is { } data &&
        (data[ShapeExtractor.Placeholder] is not null || data["items"]?[ShapeExtractor.Placeholder] is not null);

    /// <summary>The <c>data</c> property at the root of a response (an envelope): what it holds is the operation's subject.</summary>
    private static bool IsEnvelopeData(Occurrence occurrence) =>
        occurrence.Parent is { Parent: null, Rel.Length: 0, Role: not "body" } &&
        (occurrence.RelInParent == "/data" || occurrence.RelInParent == "/data[]");

    /// <summary>Grants claims in order; true when any shape got a name.</summary>
    private bool Grant(IEnumerable<Claim> claims)
    {
        var granted = false;
        foreach (var claim in claims.Order())
        {

            if (claim.Shape.Name is null && claim.Name.Length > 0 && !char.IsDigit(claim.Name[0]) && _taken.Add(claim.Name))
            {
                claim.Shape.Name = claim.Name;
                granted = true;
            }
        }

        return granted;
    }

    private string Unique(string name)
    {
        var candidate = name;
        for (var i = 2; !_taken.Add(candidate); i++)
        {
            candidate = name + i;
        }

        return candidate;
    }

    /// <summary>"/authors[]|1" → "AuthorVariant2": properties PascalCase, array items singular, map values "Value", union members "VariantN".</summary>
    private static string RelName(string rel)
    {
        var name = string.Empty;
        foreach (Match segment in RelSegment().Matches(rel))
        {
            var text = segment.Value;
            name = text switch
            {
                "[]" => name.Length == 0 ? "Item" : Words.Singular(name),
                "{}" => name + "Value",
                _ when text[0] == '|' => name + "Variant" + (int.Parse(text[1..], System.Globalization.CultureInfo.InvariantCulture) + 1),
                _ => name + Words.Pascal(text.TrimStart('/')),
            };
        }

        return name;
    }

    private static Claim NewClaim(Shape shape, int tier, Place place, string name) =>
        new(tier, place, -shape.Occurrences.Count, name.Length, name, shape.FirstPosition, shape.Key, shape);

    /// <summary>Where a claim comes from; earlier places win a contested name.</summary>
    private enum Place
    {
        GetResponse,
        ListItem,
        OtherResponse,
        Nested,
        RequestBody,
    }

    private sealed record Claim(int Tier, Place Place, int NegativeUses, int Length, string Name, string FirstPosition, string Key, Shape Shape) : IComparable<Claim>
    {
        public int CompareTo(Claim? other)
        {
            if (other is null)
            {
                return 1;
            }

            var order = Tier.CompareTo(other.Tier);
            order = order != 0 ? order : Place.CompareTo(other.Place);
            order = order != 0 ? order : NegativeUses.CompareTo(other.NegativeUses);
            order = order != 0 ? order : Length.CompareTo(other.Length);
            order = order != 0 ? order : string.CompareOrdinal(Name, other.Name);
            order = order != 0 ? order : string.CompareOrdinal(FirstPosition, other.FirstPosition);
            return order != 0 ? order : string.CompareOrdinal(Key, other.Key);
        }
    }

    [GeneratedRegex(@"/[^/\[\]{}|]+|\[\]|\{\}|\|[0-9]+")]
    private static partial Regex RelSegment();

    [GeneratedRegex(@"^(\[\]|\{\})+$")]
    private static partial Regex ItemsOnly();

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("(Response|Dict|Model|Validator|Request|Serializer|Put|Post|Parser|List|Deprecated|Envelope)$|^(List|Get|Create|Update|Delete)[A-Z]")]
    private static partial Regex UnclearName();
}
