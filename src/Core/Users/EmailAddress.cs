using System.Net.Mail;

namespace KeyPortal.Core.Users;

/// <summary>Validation of the email addresses that serve as user names.</summary>
public static class EmailAddress
{
    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254.</summary>
    public const int MaxLength = 254;

    /// <summary>Returns the trimmed address, or throws <see cref="DomainErrors.EmailInvalid"/>.</summary>
    public static string Parse(string? input)
    {
        if (!TryParse(input, out var address))
        {
            throw new DomainException(DomainErrors.EmailInvalid);
        }

        return address;
    }

    public static bool TryParse(string? input, out string address)
    {
        address = input?.Trim() ?? "";
        if (address.Length is 0 or > MaxLength || address.Any(char.IsControl) || address.Any(char.IsWhiteSpace))
        {
            return false;
        }

        // MailAddress also accepts display names ("Ann <ann@x.org>") and comments; only a bare
        // address that round-trips exactly is an acceptable user name.
        if (!MailAddress.TryCreate(address, out var parsed) || parsed.Address != address || !string.IsNullOrEmpty(parsed.DisplayName))
        {
            return false;
        }

        var domain = parsed.Host;
        return domain.Contains('.', StringComparison.Ordinal)
            && !domain.StartsWith('.')
            && !domain.EndsWith('.')
            && !domain.Contains("..", StringComparison.Ordinal)
            && !domain.StartsWith('[');
    }
}
