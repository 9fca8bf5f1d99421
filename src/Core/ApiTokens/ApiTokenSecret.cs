using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace KeyPortal.Core.ApiTokens;

/// <summary>
/// The text of an API token: <c>kpat_</c> + 24 base32 characters (the public id), a dot, and
/// 43 base64url characters (256 random bits, the secret). Secret scanners can match the prefix;
/// whoever finds a token can look its public id up and revoke it without learning anything.
/// </summary>
public sealed record ApiTokenSecret(string PublicId, string Secret)
{
    public const string Prefix = "kpat_";

    private const int PublicIdCharacters = 24;

    private const int SecretBytes = 32;

    private const int PublicIdLength = 29;

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    private static readonly System.Buffers.SearchValues<char> Base32Characters = System.Buffers.SearchValues.Create(Base32);

    /// <summary>The whole token, as the caller sends it.</summary>
    public string Value => $"{PublicId}.{Secret}";

    public byte[] Hash => HashOf(Secret);

    public static ApiTokenSecret Generate()
    {
        Span<byte> random = stackalloc byte[PublicIdCharacters];
        RandomNumberGenerator.Fill(random);
        var id = new StringBuilder(Prefix, Prefix.Length + PublicIdCharacters);
        foreach (var b in random)
        {
            id.Append(Base32[b & 31]);
        }

        return new ApiTokenSecret(id.ToString(), WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(SecretBytes)));
    }

    /// <summary>Splits a presented token; null when it does not have the shape of one.</summary>
    public static ApiTokenSecret? Parse(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length != Prefix.Length + PublicIdCharacters + 1 + 43)
        {
            return null;
        }

        var dot = Prefix.Length + PublicIdCharacters;
        var publicId = token[..dot];
        return token[dot] == '.' && IsPublicId(publicId) ? new ApiTokenSecret(publicId, token[(dot + 1)..]) : null;
    }

    public static bool IsPublicId(string? value) =>
        value is { Length: PublicIdLength }
        && value.StartsWith(Prefix, StringComparison.Ordinal)
        && value.AsSpan(Prefix.Length).IndexOfAnyExcept(Base32Characters) < 0;

    public static byte[] HashOf(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret ?? ""));

    /// <summary>Constant time: how long the comparison takes says nothing about the stored hash.</summary>
    public bool Matches(byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash, storedHash);

    /// <summary>Never the secret, so a token logged by accident shows its id only.</summary>
    public override string ToString() => PublicId;
}
