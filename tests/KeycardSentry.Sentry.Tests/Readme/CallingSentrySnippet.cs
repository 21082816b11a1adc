// <readme:calling>
using KeycardSentry;
using KeycardSentry.Sentry;
using KeycardSentry.Sentry.Models;
using Microsoft.Extensions.DependencyInjection;

// </readme:calling>

// The README's snippets live in a namespace outside KeycardSentry, so they compile only with the usings they show.
namespace ReadmeSnippets;

/// <summary>README.md, "Calling Sentry for a user": compiled as shown (ReadmeSnippetTests compares the text).</summary>
internal static class CallingSentrySnippet
{
    public static async Task RunAsync(
        Microsoft.Extensions.Hosting.IHostApplicationBuilder builder,
        string userKeycardAccessToken,
        ISentryOrganizationsApi organizations,
        ISentryEventsApi events)
    {
        // <readme:calling>
        // Program.cs
        builder.Services.AddKeycard(builder.Configuration.GetSection("Keycard")); // zone, client, subject audience: validated at start
        builder.Services.AddSentryApi(o => o.Region = "us");                     // every generated Sentry client

        // anywhere, for the user whose Keycard access token you hold:
        using (KeycardSubject.Use(userKeycardAccessToken))
        {
            Organization org = await organizations.GetOrganizationAsync("acme");   // ISentryOrganizationsApi, injected
            await foreach (var issue in events.EnumerateOrganizationIssuesAsync("acme"))   // ISentryEventsApi; follows Link: rel="next"
            {
                // ...
            }
        }
        // </readme:calling>
    }
}
