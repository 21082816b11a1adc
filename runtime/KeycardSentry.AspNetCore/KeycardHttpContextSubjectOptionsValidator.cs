using Microsoft.Extensions.Options;

namespace KeycardSentry.AspNetCore;

/// <summary>Checks <see cref="KeycardHttpContextSubjectOptions"/> at start.</summary>
internal sealed class KeycardHttpContextSubjectOptionsValidator : IValidateOptions<KeycardHttpContextSubjectOptions>
{
    public ValidateOptionsResult Validate(string? name, KeycardHttpContextSubjectOptions options) =>
        options.BearerSchemes.Any(string.IsNullOrWhiteSpace)
            ? ValidateOptionsResult.Fail(
                "KeycardHttpContextSubjectOptions.BearerSchemes must hold authentication scheme names (as given to AddAuthentication().AddScheme/AddJwtBearer), not empty entries.")
            : ValidateOptionsResult.Success;
}
