using System.Runtime.CompilerServices;
using KeycardSentry.Internal;

namespace KeycardSentry.Orleans.Internal;

/// <summary>
/// The user's token grain reference per validated binding, for the Orleans provider and the silo's gateway grain. The
/// validator remembers a validation as one identity object, so a user's calls find their reference here instead of
/// getting the grain by key each time (which resolves the grain interface by naming convention and builds a new
/// reference, the largest cost of a client's side of a token get). Weak keys: an entry goes with the remembered
/// validation it came from.
/// </summary>
internal sealed class UserGrainReferences
{
    private readonly ConditionalWeakTable<SubjectBinding, IUserTokenGrain> _references = new();
    private readonly ConditionalWeakTable<SubjectBinding, IUserTokenGrain>.CreateValueCallback _create;

    public UserGrainReferences(IGrainFactory grains) => _create = binding => grains.GetGrain<IUserTokenGrain>(binding.Key);

    /// <summary>The grain of the user <paramref name="binding"/> names.</summary>
    public IUserTokenGrain For(SubjectBinding binding) => _references.GetValue(binding, _create);
}
