using System.Formats.Asn1;
using System.Formats.Cbor;
using System.Security.Cryptography.X509Certificates;

namespace KeyPortal.Core.Passkeys;

/// <summary>
/// Reads what Fido2 verifies but does not hand back: the certificate chain (x5c) of an
/// attestation object (WebAuthn §6.5, a CBOR map {fmt, attStmt, authData}).
/// </summary>
internal static class AttestationStatement
{
    /// <summary>id-fido-gen-ce-aaguid: the AAGUID the attestation certificate vouches for.</summary>
    public const string AaguidExtensionOid = "1.3.6.1.4.1.45724.1.1.4";

    /// <summary>The DER certificates of attStmt.x5c, leaf first; empty for self or no attestation.</summary>
    /// <exception cref="CborContentException">The attestation object is not well-formed CBOR.</exception>
    /// <exception cref="InvalidOperationException">The attestation object is CBOR of another shape.</exception>
    public static IReadOnlyList<byte[]> ReadCertificateChain(byte[] attestationObject)
    {
        var reader = new CborReader(attestationObject, CborConformanceMode.Lax);
        var entries = reader.ReadStartMap();
        for (var i = 0; entries is null || i < entries; i++)
        {
            if (reader.PeekState() == CborReaderState.EndMap)
            {
                break;
            }

            var key = reader.ReadTextString();
            if (key != "attStmt")
            {
                reader.SkipValue();
                continue;
            }

            return ReadX5c(reader);
        }

        return [];
    }

    /// <summary>
    /// The AAGUID in the certificate's id-fido-gen-ce-aaguid extension (an OCTET STRING of 16
    /// bytes, big-endian), or null when the certificate has none or it is malformed.
    /// </summary>
    public static Guid? AaguidOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[AaguidExtensionOid];
        if (extension is null || extension.Critical)
        {
            return null;
        }

        try
        {
            var value = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadOctetString();
            return value.Length == 16 ? new Guid(value, bigEndian: true) : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static List<byte[]> ReadX5c(CborReader reader)
    {
        var chain = new List<byte[]>();
        var entries = reader.ReadStartMap();
        for (var i = 0; entries is null || i < entries; i++)
        {
            if (reader.PeekState() == CborReaderState.EndMap)
            {
                break;
            }

            var key = reader.PeekState() == CborReaderState.TextString ? reader.ReadTextString() : null;
            if (key is null)
            {
                reader.SkipValue();
            }

            if (key != "x5c")
            {
                reader.SkipValue();
                continue;
            }

            var count = reader.ReadStartArray();
            for (var j = 0; count is null || j < count; j++)
            {
                if (reader.PeekState() == CborReaderState.EndArray)
                {
                    break;
                }

                chain.Add(reader.ReadByteString());
            }

            return chain;
        }

        return chain;
    }
}
