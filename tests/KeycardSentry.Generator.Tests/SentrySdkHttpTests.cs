using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using KeycardSentry.Generator.Tests.Infrastructure;
using KeycardSentry.Sentry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KeycardSentry.Generator.Tests;

/// <summary>
/// Every one of the 223 operations of the packed SDK (runtime/KeycardSentry.Sentry), called through its real Refit
/// generated client over HTTP to Kestrel on 127.0.0.1: each reaches its own method and path with its arguments in
/// place, and its typed answer deserializes. Every tag's interface is exercised.
/// </summary>
public sealed class SentrySdkHttpTests : IAsyncLifetime
{
    private readonly List<(string Method, string Target)> _requests = [];
    private LoopbackServer? _server;

    private Uri BaseAddress => _server!.BaseAddress;

    public async ValueTask InitializeAsync() => _server = await LoopbackServer.StartAsync(AnswerAsync, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task EveryOperationOfEveryTagReachesItsPathAndDeserializes()
    {
        await using var services = new ServiceCollection()
            .AddSentryClients(b => b.ConfigureHttpClient(c => c.BaseAddress = BaseAddress))
            .BuildServiceProvider();
        var perInterface = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var operation in SentryOperations.All)
        {
            var client = services.GetRequiredService(operation.InterfaceType);
            var method = operation.InterfaceType.GetMethod(operation.MethodName)!;
            var (arguments, expectedPath) = Arguments(method, operation.Path);

            _requests.Clear();
            var task = (Task)method.Invoke(client, arguments)!;
            await task;

            var (sentMethod, target) = Assert.Single(_requests);
            Assert.Equal(operation.HttpMethod, sentMethod);
            Assert.Equal(expectedPath, target.Split('?')[0]);
            if (task.GetType().GetProperty("Result")?.GetValue(task) is { } result)
            {
                var content = result.GetType().GetProperty("Content")?.GetValue(result) ?? result;
                Assert.NotNull(content);
            }

            Assert.True(SentryApiScopeCatalog.Instance.TryGetRequiredScopes(operation.InterfaceType, operation.MethodName, out var scopes));
            Assert.Equal(operation.Scopes, scopes);
            perInterface[operation.InterfaceType.Name] = perInterface.GetValueOrDefault(operation.InterfaceType.Name) + 1;
        }

        var log = TestContext.Current.TestOutputHelper;
        foreach (var (name, count) in perInterface.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            log?.WriteLine($"{name}: {count} operations called");
        }

        Assert.Equal(223, perInterface.Values.Sum());
        Assert.Equal(20, perInterface.Count); // 21 tags; Integration and Integrations share ISentryIntegrationsApi
    }

    /// <summary>A value for every parameter (required ones set, optional ones left out), and the path they give.</summary>
    private static (object?[] Arguments, string Path) Arguments(MethodInfo method, string template)
    {
        var path = template;
        var arguments = new List<object?>();
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                arguments.Add(TestContext.Current.CancellationToken);
                continue;
            }

            if (parameter.HasDefaultValue)
            {
                arguments.Add(null);
                continue;
            }

            var wire = parameter.GetCustomAttribute<Refit.AliasAsAttribute>()?.Name ?? parameter.Name!;
            object value = parameter.ParameterType switch
            {
                var t when t == typeof(string) => "v-" + wire,
                var t when t == typeof(long) => 7L,
                var t when t == typeof(double) => 1.5,
                var t when t == typeof(bool) => true,
                var t when t == typeof(HttpContent) => new MultipartFormDataContent { { new StringContent("x"), "file", "x.txt" } },
                var t when t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>) => Array.CreateInstance(t.GetGenericArguments()[0], 0),
                var t => Activator.CreateInstance(t)!,
            };
            arguments.Add(value);
            path = path.Replace("{" + wire + "}", Uri.EscapeDataString(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!), StringComparison.Ordinal);
        }

        return (arguments.ToArray(), path);
    }

    /// <summary>Answers the way the operation's return type expects: 204, a JSON array, or a JSON object.</summary>
    private async Task AnswerAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        lock (_requests)
        {
            _requests.Add((context.Request.Method, target));
        }

        var path = target.Split('?')[0];
        var operation = SentryOperations.All.FirstOrDefault(o => o.HttpMethod == context.Request.Method && Template(o.Path).IsMatch(path));
        if (operation is null)
        {
            context.Response.StatusCode = 404;
            return;
        }

        var returns = operation.InterfaceType.GetMethod(operation.MethodName)!.ReturnType;
        var body = returns.IsGenericType ? returns.GetGenericArguments()[0] : null;
        if (body?.IsGenericType == true && body.GetGenericTypeDefinition() == typeof(Refit.ApiResponse<>))
        {
            body = body.GetGenericArguments()[0];
        }

        if (body is null)
        {
            context.Response.StatusCode = (int)HttpStatusCode.NoContent;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.IsGenericType && body.GetGenericTypeDefinition() == typeof(List<>) ? "[]" : "{}", context.RequestAborted);
    }

    private static Regex Template(string template) =>
        new("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$", RegexOptions.CultureInvariant);
}
