using KeycardSentry.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KeycardSentry.AspNetCore.Tests;

/// <summary>How AddKeycardSubjectFromHttpContext registers itself.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public void TheRequestAccessor_ReplacesTheDefault_WhetherAddedBeforeOrAfterAddKeycard()
    {
        static ISubjectTokenAccessor Resolve(Action<IServiceCollection> register)
        {
            var services = new ServiceCollection();
            register(services);
            using var provider = services.BuildServiceProvider();
            return provider.GetRequiredService<ISubjectTokenAccessor>();
        }

        static void AddKeycard(IServiceCollection services) => services.AddKeycard(o =>
        {
            o.ZoneUrl = "https://zone.keycard.cloud";
            o.ClientId = "id";
            o.ClientSecret = "secret";
            o.SubjectAudience = "app";
        });

        Assert.IsType<HttpContextSubjectTokenAccessor>(Resolve(s =>
        {
            AddKeycard(s);
            s.AddKeycardSubjectFromHttpContext();
        }));
        Assert.IsType<HttpContextSubjectTokenAccessor>(Resolve(s =>
        {
            s.AddKeycardSubjectFromHttpContext();
            AddKeycard(s);
        }));
        Assert.Single(new ServiceCollection().AddKeycardSubjectFromHttpContext().AddKeycardSubjectFromHttpContext(), d => d.ServiceType == typeof(ISubjectTokenAccessor));
    }

    [Fact]
    public async Task AnEmptyBearerSchemeName_StopsTheAppAtStart_WithAMessageNamingTheOption()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var stand = await WebAppStand.StartAsync(configure: (builder, _) =>
                builder.Services.AddKeycardSubjectFromHttpContext(o => o.BearerSchemes.Add(" ")));
        });

        Assert.Contains("KeycardHttpContextSubjectOptions.BearerSchemes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetKeycardSubjectToken_WithoutTheRegistration_SaysWhatToAdd()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = new ServiceCollection().BuildServiceProvider() };

        var ex = Assert.Throws<InvalidOperationException>(() => context.GetKeycardSubjectToken());

        Assert.Contains("AddKeycardSubjectFromHttpContext()", ex.Message, StringComparison.Ordinal);
    }
}
