using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KeycardSentry.Testing.Internal;

/// <summary>Starts a minimal Kestrel app on an ephemeral loopback port and reports its base URL.</summary>
internal static class LoopbackHost
{
    public static async Task<(WebApplication App, Uri BaseUrl)> StartAsync(Action<WebApplication> map)
    {
        // Content root pinned to the output folder so no appsettings of the calling process leak in.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRouting();

        var app = builder.Build();
        map(app);
        await app.StartAsync().ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.TrimEnd('/'), UriKind.Absolute));
    }

    /// <summary>The URL without a trailing slash (Uri.ToString adds one to a bare authority).</summary>
    public static string NoSlash(Uri uri) => uri.GetLeftPart(UriPartial.Authority) + uri.AbsolutePath.TrimEnd('/');
}
