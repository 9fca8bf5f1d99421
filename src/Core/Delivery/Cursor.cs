using Microsoft.AspNetCore.WebUtilities;

namespace KeyPortal.Core.Delivery;

/// <summary>
/// Keyset paging: a cursor is the id of the last row of a page (ids are time-ordered UUIDv7),
/// so the next page starts strictly after it. Rows added while someone pages never shift the
/// pages already read: nothing repeats, nothing is skipped.
/// </summary>
public static class Cursor
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 200;

    public static string Encode(Guid id) => WebEncoders.Base64UrlEncode(id.ToByteArray());

    /// <summary>The id in a cursor; null for none; refused when it is not one of ours.</summary>
    public static Guid? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var bytes = WebEncoders.Base64UrlDecode(cursor);
            return bytes.Length == 16 ? new Guid(bytes) : throw new DomainException(DomainErrors.CursorInvalid);
        }
        catch (FormatException)
        {
            throw new DomainException(DomainErrors.CursorInvalid);
        }
    }

    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 or > MaxLimit => throw new DomainException(DomainErrors.PageLimitInvalid(MaxLimit)),
        { } value => value,
    };
}
