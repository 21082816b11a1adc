// <readme:second-api>
using KeycardSentry;
using KeycardSentry.Sentry.Tests.Widgets;   // your generated API: KeycardApiSpec Namespace="..." ClientPrefix="Widgets"
using Microsoft.Extensions.DependencyInjection;

// </readme:second-api>

namespace ReadmeSnippets;

/// <summary>README.md, "Another Keycard API beside Sentry": compiled as shown; TwoApisTests runs the same registration.</summary>
internal static class SecondApiSnippet
{
    public static void Register(Microsoft.Extensions.Hosting.IHostApplicationBuilder builder)
    {
        // <readme:second-api>
        builder.Services.AddKeycard(builder.Configuration.GetSection("Keycard"));  // one zone, one client, for every API
        builder.Services.AddSentryApi();                                          // section SentryApi
        builder.Services.AddKeycardApi(
            "WidgetsApi",                                  // options name and configuration section: WidgetsApi:BaseUrl, :Resource, :Scopes
            WidgetsApiScopeCatalog.Instance,               // generated from the API's catalog: its resource, scopes, implications
            each => builder.Services.AddWidgetsClients(each, KeycardRefitSettings.Create()),
            o => o.BaseUrl ??= new Uri("https://widgets.example.com"));
        // </readme:second-api>
    }
}
