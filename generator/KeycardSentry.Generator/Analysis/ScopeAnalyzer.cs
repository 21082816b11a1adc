using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KeycardSentry.Generator.Diagnostics;
using KeycardSentry.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KeycardSentry.Generator.Analysis;

/// <summary>
/// Checks every call to a method marked <c>[KeycardSentry.RequiresScopes]</c> against the granted scopes
/// (KSC001), and reports the smallest grant the code needs (KSC002) and granted scopes nothing needs (KSC003).
/// </summary>
/// <remarks>
/// Granted = MSBuild property <c>KeycardGrantedScopes</c>, else the <c>KeycardDefaultGrant</c> of the assembly that
/// declares the called method (its catalog's <c>defaultGrant</c>), else nothing; expanded through that assembly's
/// <c>ScopeImplies</c> attributes; a call passes when any one of its scopes is in the expanded grant. There is no
/// built-in default: what an API grants by default is its catalog's word alone.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScopeAnalyzer : DiagnosticAnalyzer
{
    private const string RequiresScopesName = "KeycardSentry.RequiresScopesAttribute";
    private const string ScopeImpliesName = "KeycardSentry.ScopeImpliesAttribute";
    private const string DefaultGrantName = "KeycardSentry.KeycardDefaultGrantAttribute";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ScopeNotGranted,
        DiagnosticDescriptors.MinimalScopes,
        DiagnosticDescriptors.UnusedGrantedScope);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        // Generated code (e.g. the pagination helpers) is not checked: the helpers carry the attribute themselves,
        // so the user's call to them is.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var requires = start.Compilation.GetTypeByMetadataName(RequiresScopesName);
            if (requires is null)
            {
                return;
            }

            var global = start.Options.AnalyzerConfigOptionsProvider.GlobalOptions;
            // KeycardGrantedScopesList is the targets' copy with ';' turned into spaces (';' starts an editorconfig comment).
            if (!global.TryGetValue("build_property.KeycardGrantedScopesList", out var grantedText) || string.IsNullOrWhiteSpace(grantedText))
            {
                global.TryGetValue("build_property.KeycardGrantedScopes", out grantedText);
            }

            global.TryGetValue("build_property.KeycardScopeReport", out var reportText);
            var state = new CompilationState(
                requires,
                ScopeText.Split(grantedText).Select(Normalised).Distinct(StringComparer.Ordinal).ToArray(),
                string.Equals(reportText?.Trim(), "true", StringComparison.OrdinalIgnoreCase));

            start.RegisterOperationAction(
                ctx =>
                {
                    var method = ctx.Operation switch
                    {
                        IInvocationOperation invocation => invocation.TargetMethod,
                        IMethodReferenceOperation reference => reference.Method,
                        _ => null,
                    };
                    if (method is not null)
                    {
                        state.Analyze(ctx, method);
                    }
                },
                OperationKind.Invocation,
                OperationKind.MethodReference);
            start.RegisterCompilationEndAction(state.End);
        });
    }

    private static string Normalised(string scope)
    {
        ScopeText.Normalise(scope, out var normalised);
        return normalised;
    }

    private sealed class AssemblyScopes
    {
        public AssemblyScopes(Dictionary<string, string[]> implications, string[]? defaultGrant)
        {
            Implications = implications;
            DefaultGrant = defaultGrant;
        }

        public Dictionary<string, string[]> Implications { get; }

        public string[]? DefaultGrant { get; }

        public HashSet<string> Expand(IEnumerable<string> granted)
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            foreach (var scope in granted)
            {
                result.Add(scope);
                if (Implications.TryGetValue(scope, out var implied))
                {
                    result.UnionWith(implied);
                }
            }

            return result;
        }
    }

    private sealed class CompilationState
    {
        private readonly INamedTypeSymbol _requires;
        private readonly string[] _configured;
        private readonly bool _report;
        private readonly ConcurrentDictionary<IAssemblySymbol, AssemblyScopes> _assemblies = new(SymbolEqualityComparer.Default);
        private readonly ConcurrentBag<(string[] AnyOf, AssemblyScopes Scopes)> _calls = new();

        public CompilationState(INamedTypeSymbol requires, string[] configured, bool report)
        {
            _requires = requires;
            _configured = configured;
            _report = report;
        }

        public void Analyze(OperationAnalysisContext context, IMethodSymbol method)
        {
            method = method.ReducedFrom ?? method;
            var attribute = method.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _requires))
                ?? method.OriginalDefinition.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _requires));
            if (attribute is null || method.ContainingAssembly is not { } assembly)
            {
                return;
            }

            var anyOf = ReadStrings(attribute.ConstructorArguments).Select(Normalised).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
            var scopes = _assemblies.GetOrAdd(assembly, Read);
            _calls.Add((anyOf, scopes));
            if (anyOf.Length == 0)
            {
                return;
            }

            var granted = Granted(scopes);
            var expanded = scopes.Expand(granted);
            if (!anyOf.Any(expanded.Contains))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ScopeNotGranted,
                    context.Operation.Syntax.GetLocation(),
                    method.ContainingType.Name + "." + method.Name,
                    string.Join(", ", anyOf),
                    string.Join(" ", granted),
                    string.Join(" ", expanded.OrderBy(s => s, StringComparer.Ordinal))));
            }
        }

        public void End(CompilationAnalysisContext context)
        {
            var calls = _calls.ToArray();
            var requirements = calls
                .Where(c => c.AnyOf.Length > 0)
                .Select(c => new HashSet<string>(c.AnyOf, StringComparer.Ordinal))
                .GroupBy(s => string.Join(" ", s.OrderBy(x => x, StringComparer.Ordinal)), StringComparer.Ordinal)
                .Select(g => g.First())
                .ToList();
            if (requirements.Count == 0)
            {
                return;
            }

            var merged = new AssemblyScopes(new Dictionary<string, string[]>(StringComparer.Ordinal), null);
            foreach (var scopes in calls.Select(c => c.Scopes).Distinct())
            {
                foreach (var pair in scopes.Implications)
                {
                    merged.Implications[pair.Key] = merged.Implications.TryGetValue(pair.Key, out var existing)
                        ? existing.Union(pair.Value, StringComparer.Ordinal).ToArray()
                        : pair.Value;
                }
            }

            var severity = _report ? DiagnosticSeverity.Warning : DiagnosticSeverity.Info;
            var minimal = MinimalCover(requirements, merged);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.MinimalScopes,
                Location.None,
                severity,
                additionalLocations: null,
                properties: null,
                calls.Count(c => c.AnyOf.Length > 0),
                string.Join(" ", minimal)));

            var required = new HashSet<string>(requirements.SelectMany(r => r), StringComparer.Ordinal);
            var granted = _configured.Length > 0
                ? _configured
                : calls.Select(c => c.Scopes).Distinct().SelectMany(Granted).Distinct(StringComparer.Ordinal).ToArray();
            foreach (var scope in granted.Where(g => !merged.Expand(new[] { g }).Overlaps(required)))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.UnusedGrantedScope,
                    Location.None,
                    severity,
                    additionalLocations: null,
                    properties: null,
                    scope));
            }
        }

        private string[] Granted(AssemblyScopes scopes) =>
            _configured.Length > 0 ? _configured : scopes.DefaultGrant ?? Array.Empty<string>();

        /// <summary>
        /// A smallest set of scopes whose expansion meets every requirement (exact search over small sizes, least
        /// privilege breaking ties; greedy beyond that).
        /// </summary>
        private static List<string> MinimalCover(List<HashSet<string>> requirements, AssemblyScopes scopes)
        {
            var candidates = scopes.Implications.Keys.Concat(requirements.SelectMany(r => r))
                .Distinct(StringComparer.Ordinal)
                .OrderBy(s => s, StringComparer.Ordinal)
                .Select(s => (Scope: s, Expanded: scopes.Expand(new[] { s })))
                .Select(c => (c.Scope, c.Expanded.Count, Covers: Enumerable.Range(0, requirements.Count).Where(i => requirements[i].Overlaps(c.Expanded)).ToArray()))
                .Where(c => c.Covers.Length > 0)
                .ToArray();

            const int maxExact = 5;
            for (var size = 1; size <= Math.Min(maxExact, candidates.Length); size++)
            {
                int[]? best = null;
                var bestCost = int.MaxValue;
                foreach (var combination in Combinations(candidates.Length, size))
                {
                    var covered = new bool[requirements.Count];
                    var cost = 0;
                    foreach (var index in combination)
                    {
                        cost += candidates[index].Count;
                        foreach (var r in candidates[index].Covers)
                        {
                            covered[r] = true;
                        }
                    }

                    if (cost < bestCost && covered.All(c => c))
                    {
                        best = (int[])combination.Clone();
                        bestCost = cost;
                    }
                }

                if (best is not null)
                {
                    return best.Select(i => candidates[i].Scope).ToList();
                }
            }

            var uncovered = new HashSet<int>(Enumerable.Range(0, requirements.Count));
            var chosen = new List<string>();
            while (uncovered.Count > 0)
            {
                var next = candidates
                    .OrderByDescending(c => c.Covers.Count(uncovered.Contains))
                    .ThenBy(c => c.Count)
                    .First();
                chosen.Add(next.Scope);
                uncovered.ExceptWith(next.Covers);
            }

            return chosen;
        }

        private static IEnumerable<int[]> Combinations(int n, int k)
        {
            var indices = Enumerable.Range(0, k).ToArray();
            while (true)
            {
                yield return indices;
                var i = k - 1;
                while (i >= 0 && indices[i] == n - k + i)
                {
                    i--;
                }

                if (i < 0)
                {
                    yield break;
                }

                indices[i]++;
                for (var j = i + 1; j < k; j++)
                {
                    indices[j] = indices[j - 1] + 1;
                }
            }
        }

        private static AssemblyScopes Read(IAssemblySymbol assembly)
        {
            var implications = new Dictionary<string, string[]>(StringComparer.Ordinal);
            string[]? defaultGrant = null;
            foreach (var attribute in assembly.GetAttributes())
            {
                var name = attribute.AttributeClass?.ToDisplayString();
                if (name == ScopeImpliesName && attribute.ConstructorArguments.Length >= 1 && attribute.ConstructorArguments[0].Value is string scope)
                {
                    var implied = ReadStrings(attribute.ConstructorArguments.Skip(1)).Select(Normalised).ToList();
                    implied.Add(Normalised(scope));
                    implications[Normalised(scope)] = implied.Distinct(StringComparer.Ordinal).ToArray();
                }
                else if (name == DefaultGrantName && attribute.ConstructorArguments.Length >= 1)
                {
                    defaultGrant = ReadStrings(attribute.ConstructorArguments.Skip(1)).Select(Normalised).ToArray();
                }
            }

            return new AssemblyScopes(implications, defaultGrant);
        }

        private static IEnumerable<string> ReadStrings(IEnumerable<TypedConstant> arguments)
        {
            foreach (var argument in arguments)
            {
                if (argument.Kind == TypedConstantKind.Array)
                {
                    foreach (var value in argument.Values)
                    {
                        if (value.Value is string s)
                        {
                            yield return s;
                        }
                    }
                }
                else if (argument.Value is string s)
                {
                    yield return s;
                }
            }
        }
    }
}
