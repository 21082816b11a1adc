using System.Net;
using System.Threading.Channels;
using KeycardSentry.AspNetCore.Tests.Infrastructure;
using KeycardSentry.Sentry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KeycardSentry.AspNetCore.Tests;

/// <summary>
/// Work a request hands to a queue runs outside the request: IHttpContextAccessor (an AsyncLocal) has no request
/// there, so there is no subject unless the work captured the token with GetKeycardSubjectToken and KeycardSubject.Use.
/// </summary>
public sealed class BackgroundWorkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task QueuedWork_HasNoSubject_UnlessItCapturedTheRequestsToken()
    {
        var uncaptured = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var captured = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stand = await WebAppStand.StartAsync(
            configure: (builder, _) =>
            {
                builder.Services.AddSingleton(Channel.CreateUnbounded<Func<ISentryOrganizationsApi, Task>>());
                builder.Services.AddHostedService<QueueWorker>();
            },
            map: app => app.MapPost("/later/{org}", (string org, HttpContext context, Channel<Func<ISentryOrganizationsApi, Task>> queue) =>
            {
                queue.Writer.TryWrite(sentry => Report(uncaptured, sentry.GetOrganizationAsync(org)));

                var token = context.GetKeycardSubjectToken()!; // read while the request is being handled
                queue.Writer.TryWrite(async sentry =>
                {
                    using (KeycardSubject.Use(token))
                    {
                        await Report(captured, sentry.GetOrganizationAsync(org));
                    }
                });
                return Results.Accepted();
            }).RequireAuthorization());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/later/acme");
        request.Headers.Authorization = new("Bearer", stand.Zone.MintSubjectToken("alice"));

        using var response = await stand.CreateClient().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var missing = Assert.IsType<InvalidOperationException>(await uncaptured.Task.WaitAsync(Ct));
        Assert.Contains("AddKeycardSubjectFromHttpContext()", missing.Message, StringComparison.Ordinal);
        Assert.Contains("outside a request", missing.Message, StringComparison.Ordinal);
        Assert.Null(await captured.Task.WaitAsync(Ct));
        Assert.Equal("alice", Assert.Single(stand.Sentry.Requests).User);
    }

    [Fact]
    public async Task GetKeycardSubjectToken_IsNull_ForAnUnauthenticatedRequest()
    {
        string? seen = "unset";
        await using var stand = await WebAppStand.StartAsync(map: app => app.MapGet("/peek", (HttpContext context) =>
        {
            seen = context.GetKeycardSubjectToken();
            return Results.NoContent();
        }));

        using var response = await WebAppStand.GetAsync(stand.CreateClient(), "/peek", bearer: null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(seen);
    }

    private static async Task Report(TaskCompletionSource<Exception?> outcome, Task call)
    {
        try
        {
            await call;
            outcome.SetResult(null);
        }
        catch (Exception ex)
        {
            outcome.SetResult(ex);
        }
    }

    /// <summary>A queue consumer started with the host: its async flow never belonged to a request.</summary>
    private sealed class QueueWorker(Channel<Func<ISentryOrganizationsApi, Task>> queue, IServiceProvider services) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await foreach (var work in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await work(services.GetRequiredService<ISentryOrganizationsApi>());
            }
        }
    }
}
