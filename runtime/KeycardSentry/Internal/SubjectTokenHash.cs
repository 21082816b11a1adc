using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace KeycardSentry.Internal;

/// <summary>
/// The SHA-256 of a subject token's UTF-8 bytes, held as four words so it can key a dictionary without a byte array
/// per lookup. Equality compares all 32 bytes; <see cref="FixedTimeEquals"/> is the comparison to use before trusting a
/// match. <see cref="ToString"/> prints nothing of the hash.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct SubjectTokenHash : IEquatable<SubjectTokenHash>
{
    public const int Size = 32;

    // Tokens up to this many UTF-8 bytes are hashed from a stack buffer; longer ones from a pooled array, wiped after.
    private const int StackLimit = 2048;

    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    // Memo by string instance: a request's token string is hashed once, however many calls it makes. Weak keys: the
    // memo never keeps a token alive longer than its owner does, and holds nothing but the hash besides.
    private static readonly ConditionalWeakTable<string, StrongBox<SubjectTokenHash>> Memo = new();

    /// <summary>
    /// The hash of <paramref name="token"/>, computed once per string instance (a caller presenting the same string again
    /// gets the remembered hash without hashing). Only for tokens already within the size limit. With
    /// <paramref name="remember"/> false a remembered hash is still used, but a computed one is not remembered: for a
    /// string that is new on every call (read from a message), where an entry would never be hit and only cost a
    /// weak handle per call.
    /// </summary>
    public static SubjectTokenHash Of(string token, bool remember = true)
    {
        if (Memo.TryGetValue(token, out var box))
        {
            return box.Value;
        }

        var hash = Compute(token);
        if (remember)
        {
            Memo.AddOrUpdate(token, new StrongBox<SubjectTokenHash>(hash));
        }

        return hash;
    }

    public static SubjectTokenHash Compute(string token)
    {
        var length = Encoding.UTF8.GetByteCount(token);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, buffer);
            Span<byte> digest = stackalloc byte[Size];
            SHA256.HashData(buffer[..written], digest);
            return MemoryMarshal.Read<SubjectTokenHash>(digest);
        }
        finally
        {
            if (rented is not null)
            {
                // The pool is shared with unrelated code: do not leave the token's bytes behind.
                CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Compares the two hashes in constant time: the four words are XORed and ORed together without a branch, so the
    /// time does not depend on where they differ. (<see cref="CryptographicOperations.FixedTimeEquals"/> does the same
    /// byte by byte, unoptimised on purpose, which made it the largest single cost of a cache hit.)
    /// </summary>
    public static bool FixedTimeEquals(in SubjectTokenHash left, in SubjectTokenHash right) =>
        ((left._w0 ^ right._w0) | (left._w1 ^ right._w1) | (left._w2 ^ right._w2) | (left._w3 ^ right._w3)) == 0;

    /// <summary>The lower-case hex of the hash, as used in the string form of a <see cref="SubjectBinding"/>.</summary>
    public string ToHexLower() => Convert.ToHexStringLower(MemoryMarshal.AsBytes(new ReadOnlySpan<SubjectTokenHash>(in this)));

    public bool Equals(SubjectTokenHash other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is SubjectTokenHash other && Equals(other);

    // HashCode is seeded per process, so bucket placement is not predictable from the token.
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    public override string ToString() => nameof(SubjectTokenHash);
}
