using KeycardSentry.Sentry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KeycardSentry.AspNetCore.Tests;

/// <summary>
/// The root README's ASP.NET Core example, compiled and run by the tests. The lines between the markers are the
/// README's code block, character for character (<see cref="ReadmeTests"/> checks it).
/// </summary>
public static class ReadmeProgram
{
    /// <summary>Registers what the README registers on <paramref name="builder"/>, builds the app and maps the README's endpoint.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        // <readme:aspnetcore>
        // Program.cs: callers send their Keycard access token as "Authorization: Bearer <token>"
        var zone = builder.Configuration["Keycard:ZoneUrl"];
        builder.Services.AddAuthentication().AddJwtBearer(o =>
        {
            o.MetadataAddress = zone + "/.well-known/oauth-authorization-server"; // Keycard publishes RFC 8414 metadata
            o.TokenValidationParameters.ValidIssuer = zone;
            o.Audience = builder.Configuration["Auth:Audience"];                  // your API, as in any JwtBearer app
        });
        builder.Services.AddAuthorization();
        builder.Services.AddKeycard(builder.Configuration.GetSection("Keycard"));
        builder.Services.AddSentryApi();
        builder.Services.AddKeycardSubjectFromHttpContext();                     // package KeycardSentry.AspNetCore

        var app = builder.Build();
        app.MapGet("/sentry/{org}/projects", async (string org, string? query, ISentryOrganizationsApi sentry, CancellationToken ct) =>
        {
            var projects = new List<string?>();
            await foreach (var project in sentry.EnumerateOrganizationProjectsAsync(org, query: query, cancellationToken: ct))
            {
                projects.Add(project.Slug);                                       // every page: the caller's token
            }

            return projects;
        }).RequireAuthorization();
        // </readme:aspnetcore>
        return app;
    }
}
