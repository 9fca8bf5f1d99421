using System.Security.Cryptography;
using System.Text;
using Fido2NetLib.Objects;

namespace KeyPortal.Core.Passkeys;

/// <summary>
/// Made-up credentials for sign-in by an address without passkeys (no account, or none with a
/// key), so the answer does not tell whether the address has an account. They must not be told
/// from real ones by anything an attacker can see:
/// <list type="bullet">
/// <item>count: one, or two (a spare), as real people have;</item>
/// <item>length and transports: those of a real stored credential, chosen by the address among
/// the oldest <see cref="ShapeSample"/> credentials (transports exactly as the browser reported
/// them at registration), serialized by the same code as real ones;</item>
/// <item>ids: every byte from HMAC-SHA256 under the deployment's secret
/// (<c>IdentityProvider:DecoySecret</c>), independent per credential, so they are stable for one
/// address across requests and instances and unrelated to each other.</item>
/// </list>
/// </summary>
public sealed class DecoyCredentials(byte[] key, TimeProvider clock)
{
    /// <summary>How many of the oldest real credentials lend their shape (stable once that many exist).</summary>
    public const int ShapeSample = 32;

    /// <summary>A full sample changes only when one of its credentials is removed.</summary>
    private static readonly TimeSpan ShapeRefresh = TimeSpan.FromHours(1);

    /// <summary>Before any real credential exists: a YubiKey 5 NFC's discoverable credential as Chromium reports it.</summary>
    private static readonly Shape DefaultShape = new(64, [AuthenticatorTransport.Nfc, AuthenticatorTransport.Usb]);

    private readonly Lock _gate = new();
    private (DateTimeOffset LoadedAt, Shape[] Shapes)? _shapes;

    public async Task<IReadOnlyList<PublicKeyCredentialDescriptor>> ForAsync(PortalDbContext db, string normalizedEmail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(normalizedEmail);
        var shapes = await ShapesAsync(db, ct);
        var seed = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("decoy:" + normalizedEmail));
        var count = seed[0] % 10 < 3 ? 2 : 1;
        var decoys = new List<PublicKeyCredentialDescriptor>(count);
        for (var i = 0; i < count; i++)
        {
            var shape = shapes[BitConverter.ToUInt16(seed, 2 + (2 * i)) % shapes.Length];
            decoys.Add(new PublicKeyCredentialDescriptor(PublicKeyCredentialType.PublicKey, IdOf(seed, i, shape.Length), shape.Transports));
        }

        return decoys;
    }

    private byte[] IdOf(byte[] seed, int index, int length)
    {
        var id = new byte[length];
        for (var block = 0; block * 32 < length; block++)
        {
            byte[] input = [.. seed, (byte)index, (byte)block];
            var bytes = HMACSHA256.HashData(key, input);
            bytes.AsSpan(0, Math.Min(32, length - (block * 32))).CopyTo(id.AsSpan(block * 32));
        }

        return id;
    }

    private async Task<Shape[]> ShapesAsync(PortalDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (_shapes is { } cached && now - cached.LoadedAt < ShapeRefresh)
            {
                return cached.Shapes;
            }
        }

        var rows = await db.PasskeyCredentials.AsNoTracking()
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)
            .Take(ShapeSample)
            .Select(p => new { p.CredentialId, p.Transports })
            .ToListAsync(ct);
        Shape[] shapes = rows.Count == 0
            ? [DefaultShape]
            : [.. rows.Select(r => new Shape(r.CredentialId.Length, PasskeyService.ParseTransports(r.Transports)))];
        // Until the sample is full, new registrations change it: read it again next time.
        if (rows.Count == ShapeSample)
        {
            lock (_gate)
            {
                _shapes = (now, shapes);
            }
        }

        return shapes;
    }

    private sealed record Shape(int Length, AuthenticatorTransport[]? Transports);
}
