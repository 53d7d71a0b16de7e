using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Dashboard.Access;

/// <summary>
/// The shared secret of a remote dashboard (<c>Dashboard:AccessToken</c>; <c>infra/services.sh</c> generates one into
/// its credentials file). Compared in constant time; never shown by <see cref="ToString"/>.
/// </summary>
public sealed class AccessToken
{
    /// <summary>Shorter secrets are refused: 16 random alphanumerics are already ~95 bits.</summary>
    public const int MinimumLength = 16;

    private readonly byte[] _digest;

    public string Value { get; }

    public AccessToken(string value)
    {
        if (value.Length < MinimumLength || value.Any(char.IsWhiteSpace))
            throw new ArgumentException($"an access token needs at least {MinimumLength} characters and no spaces", nameof(value));
        Value = value;
        _digest = Digest(value);
    }

    /// <summary>
    /// Whether <paramref name="candidate"/> is the token. Both sides are hashed first, so the comparison runs over equal
    /// lengths and takes the same time wherever the strings differ.
    /// </summary>
    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Digest(candidate), _digest);

    private static byte[] Digest(string s) => SHA256.HashData(Encoding.UTF8.GetBytes(s));

    public override string ToString() => "(dashboard access token)";
}
