namespace KeycardSentry.Testing.Tests.Infrastructure;

/// <summary>Realistic values for path parameters, by name.</summary>
internal static class SampleArguments
{
    public static string PathValue(string name) => name switch
    {
        _ when name.StartsWith("organization", StringComparison.Ordinal) => "acme",
        _ when name.StartsWith("project", StringComparison.Ordinal) => "backend",
        _ when name.StartsWith("team", StringComparison.Ordinal) => "platform",
        _ when name.StartsWith("monitor", StringComparison.Ordinal) => "nightly-job",
        "version" => "1.0.0",
        "event_id" or "trace_id" or "replay_id" or "profile_id" => "6f9619ff8b864011b42d00cf4fc964ff",
        "environment" => "production",
        "key" => "browser",
        _ => "42",
    };
}
