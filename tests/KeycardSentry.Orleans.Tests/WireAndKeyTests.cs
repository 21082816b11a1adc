using System.Security.Cryptography;
using KeycardSentry.Orleans.Tests.Infrastructure;
using System.Text;

namespace KeycardSentry.Orleans.Tests;

/// <summary>What crosses the wire, and how grain keys are derived.</summary>
public sealed class WireAndKeyTests
{
    [Fact]
    public void TokenGrant_ToString_ShowsFingerprintNotToken()
    {
        var grant = new TokenGrant("secret-access-token", "Bearer", DateTimeOffset.UnixEpoch, ["org:read"], "0123456789abcdef", null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        Assert.DoesNotContain("secret-access-token", grant.ToString(), StringComparison.Ordinal);
        Assert.Contains("0123456789abcdef", grant.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TokenGrant_HasNoRefreshToken()
    {
        Assert.DoesNotContain(typeof(TokenGrant).GetProperties(), p => p.Name.Contains("Refresh", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void OpaqueToken_KeyIsPrefixedSha256OfTheToken()
    {
        var expected = "opaque:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("kc_opaque_abc")));
        Assert.Equal(expected, GrainKeys.ForSubjectToken("kc_opaque_abc"));
    }

    [Fact]
    public void Jwt_KeyIsHashOfIssuerAndSubject_NotOfTheToken()
    {
        var a = Jwt("https://zone.example", "alice", "1");
        var b = Jwt("https://zone.example", "alice", "2");
        var other = Jwt("https://other.example", "alice", "1");
        var expected = "jwt:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("https://zone.example\nalice")));
        Assert.Equal(expected, GrainKeys.ForSubjectToken(a));
        Assert.Equal(expected, GrainKeys.ForSubjectToken(b));
        Assert.NotEqual(expected, GrainKeys.ForSubjectToken(other));
        Assert.DoesNotContain("alice", expected, StringComparison.Ordinal);
    }

    private static string Jwt(string iss, string sub, string jti)
    {
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{B64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")}.{B64($"{{\"iss\":\"{iss}\",\"sub\":\"{sub}\",\"jti\":\"{jti}\"}}")}.c2ln";
    }
}
