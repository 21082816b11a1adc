using System.Net.Http.Headers;
using System.Text;

namespace KeycardSentry.Internal.ClientAuthentication;

/// <summary><c>client_secret_basic</c>: <c>Authorization: Basic</c> with the client id and secret, encoded as RFC 6749 §2.3.1 says.</summary>
internal sealed class ClientSecretBasicAuthentication : IClientAuthentication
{
    private readonly AuthenticationHeaderValue _header;

    public ClientSecretBasicAuthentication(string clientId, string clientSecret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientSecret);
        _header = Header(clientId, clientSecret);
    }

    public string Method => "client_secret_basic";

    public string InvalidClientHint =>
        "Keycard did not accept the client credentials: check Keycard:ClientId and Keycard:ClientSecret (Keycard__ClientId / Keycard__ClientSecret) against the application in the Keycard console.";

    public void Apply(HttpRequestMessage request, IList<KeyValuePair<string, string>> form, Uri tokenEndpoint) => request.Headers.Authorization = _header;

    /// <summary>RFC 6749 §2.3.1: the id and secret are form-url-encoded before they are joined and base64-encoded.</summary>
    internal static AuthenticationHeaderValue Header(string clientId, string clientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(FormUrlEncode(clientId) + ":" + FormUrlEncode(clientSecret))));

    internal static string FormUrlEncode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => "client_secret_basic";
}
