using System.Reflection;
using Refit;
using Xunit;

namespace KeycardSentry.Tests;

/// <summary>How <see cref="KeycardRefitSettings"/> writes values into paths and query strings.</summary>
public sealed class UrlParameterFormattingTests
{
    private static readonly ICustomAttributeProvider Parameter = typeof(UrlParameterFormattingTests).GetMethod(nameof(Sample), BindingFlags.NonPublic | BindingFlags.Static)!.GetParameters()[0];

    [Theory]
    [InlineData(true, "true")]
    [InlineData(false, "false")]
    public void Booleans_are_written_as_json_spells_them(bool value, string expected) =>
        Assert.Equal(expected, KeycardRefitSettings.Create().UrlParameterFormatter.Format(value, Parameter, typeof(bool)));

    [Theory]
    [InlineData("acme")]
    [InlineData("a b/c?d=é")]
    [InlineData("")]
    public void Strings_are_written_as_Refits_default_formatter_writes_them(string value)
    {
        var formatter = KeycardRefitSettings.Create().UrlParameterFormatter;
        Assert.Equal(new DefaultUrlParameterFormatter().Format(value, Parameter, typeof(string)), formatter.Format(value, Parameter, typeof(string)));
    }

    [Fact]
    public void Other_values_and_every_value_of_a_custom_formatter_go_to_the_formatter_the_settings_had()
    {
        Assert.Equal("42", KeycardRefitSettings.Create().UrlParameterFormatter.Format(42L, Parameter, typeof(long)));

        var custom = KeycardRefitSettings.Apply(new RefitSettings { UrlParameterFormatter = new Shouting() }).UrlParameterFormatter;
        Assert.Equal("ACME", custom.Format("acme", Parameter, typeof(string)));
        Assert.Equal("true", custom.Format(true, Parameter, typeof(bool)));
    }

    private static void Sample(string value) => _ = value;

    private sealed class Shouting : IUrlParameterFormatter
    {
        public string? Format(object? value, ICustomAttributeProvider attributeProvider, Type type) => value?.ToString()?.ToUpperInvariant();
    }
}
