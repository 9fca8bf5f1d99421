using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Asn1;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace KeyPortal.TestSupport;

/// <summary>Which attestation statement a <see cref="SoftwareAuthenticator"/> returns at registration.</summary>
public enum AttestationStyle
{
    /// <summary>fmt "none": no statement, as browsers send when attestation is not requested.</summary>
    None,

    /// <summary>fmt "packed" signed by the credential key itself (self attestation): proves nothing about the model.</summary>
    PackedSelf,

    /// <summary>fmt "packed" with an x5c chain from <see cref="SoftwareAuthenticator.CertificateAuthority"/>, like a YubiKey's.</summary>
    PackedWithCertificate,
}

/// <summary>
/// A real WebAuthn authenticator in software, plus the browser around it: ES256 (P-256) keys,
/// COSE_Key and attestation objects in CBOR, authenticatorData with the UP, UV, BE, BS and AT
/// flags, and the JSON of <c>PublicKeyCredential.toJSON()</c> (base64url fields). It reads the
/// server's options JSON, keeps the discoverable credentials it creates (with their user
/// handles) and honours excludeCredentials and allowCredentials like a real key; parameters
/// named for misbehaviour (an explicit credential id, a replayed counter, a foreign user handle,
/// a forged signature) let tests play a cloned or malicious authenticator.
/// Flags are reported as configured even when the options demand otherwise, so the server's
/// own checks can be exercised.
/// </summary>
public sealed class SoftwareAuthenticator : IDisposable
{
    /// <summary>The AAGUID of Chromium's virtual authenticator (DevTools, WebDriver).</summary>
    public static readonly Guid VirtualAuthenticatorAaguid = Guid.Parse("01020304-0506-0708-0102-030405060708");

    /// <summary>YubiKey 5 NFC / 5C NFC, firmware 5.2 / 5.4.</summary>
    public static readonly Guid YubiKey5NfcAaguid = Guid.Parse("2fc0579f-8113-47ea-b116-bb5a8db9202a");

    /// <summary>YubiKey 5 / 5C / Nano, firmware 5.1 (older than the portal's minimum).</summary>
    public static readonly Guid YubiKey5Firmware51Aaguid = Guid.Parse("cb69481e-8ff7-4039-93ec-0a2729a154a8");

    private const int Es256 = -7;

    private readonly List<SoftwareCredential> _credentials = [];
    private readonly Dictionary<Guid, (X509Certificate2 Certificate, ECDsa Key)> _attestationCertificates = [];

    public SoftwareAuthenticator(Guid aaguid) => Aaguid = aaguid;

    public Guid Aaguid { get; set; }

    public AttestationStyle Attestation { get; set; } = AttestationStyle.None;

    /// <summary>Issues the attestation certificates of <see cref="AttestationStyle.PackedWithCertificate"/>.</summary>
    public AttestationCertificateAuthority? CertificateAuthority { get; set; }

    public bool UserPresent { get; set; } = true;

    public bool UserVerified { get; set; } = true;

    /// <summary>BE flag: the credential may be synced to a cloud account.</summary>
    public bool BackupEligible { get; set; }

    /// <summary>BS flag: the credential is synced now.</summary>
    public bool BackedUp { get; set; }

    /// <summary>What the browser reports in <c>response.transports</c> at registration.</summary>
    public IReadOnlyList<string> Transports { get; set; } = ["usb", "nfc"];

    /// <summary>Counter of a new credential.</summary>
    public uint InitialSignCount { get; set; }

    /// <summary>How much the counter grows per assertion; 0 for authenticators that never count.</summary>
    public uint SignCountStep { get; set; } = 1;

    public IReadOnlyList<SoftwareCredential> Credentials => _credentials;

    /// <summary>An authenticator that attests like a YubiKey 5 NFC, with certificates from <paramref name="authority"/>.</summary>
    public static SoftwareAuthenticator YubiKey(AttestationCertificateAuthority authority, Guid? aaguid = null) =>
        new(aaguid ?? YubiKey5NfcAaguid) { Attestation = AttestationStyle.PackedWithCertificate, CertificateAuthority = authority };

    /// <summary>
    /// navigator.credentials.create(): answers <paramref name="optionsJson"/> (the server's
    /// PublicKeyCredentialCreationOptionsJSON) from <paramref name="origin"/> and returns
    /// RegistrationResponseJSON. Throws InvalidStateError when it already holds an excluded credential.
    /// </summary>
    /// <param name="credentialId">Reuse this credential id (a misbehaving authenticator); excludeCredentials is then not consulted.</param>
    public string CreateAttestationJson(string optionsJson, string origin, byte[]? credentialId = null)
    {
        using var document = JsonDocument.Parse(optionsJson);
        var options = document.RootElement;
        var rpId = options.GetProperty("rp").TryGetProperty("id", out var id) ? id.GetString()! : new Uri(origin).Host;
        var user = options.GetProperty("user");
        var userHandle = Base64Url.DecodeFromChars(user.GetProperty("id").GetString());

        if (!options.GetProperty("pubKeyCredParams").EnumerateArray().Any(p => p.GetProperty("alg").GetInt32() == Es256))
        {
            throw new NotSupportedException("NotSupportedError: this authenticator only makes ES256 (-7) credentials.");
        }

        if (credentialId is null && options.TryGetProperty("excludeCredentials", out var excluded)
            && excluded.EnumerateArray().Any(e => Find(rpId, Base64Url.DecodeFromChars(e.GetProperty("id").GetString())) is not null))
        {
            throw new InvalidOperationException("InvalidStateError: the authenticator already holds an excluded credential.");
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var credential = new SoftwareCredential(
            credentialId ?? RandomNumberGenerator.GetBytes(32), rpId, userHandle, user.GetProperty("name").GetString() ?? "", key)
        {
            SignCount = InitialSignCount,
        };
        _credentials.Add(credential);

        var authenticatorData = AuthenticatorData(rpId, attested: true, credential.SignCount, AttestedCredentialData(credential));
        var clientDataJson = ClientDataJson("webauthn.create", options.GetProperty("challenge").GetString()!, origin);
        var attestationObject = AttestationObject(authenticatorData, SHA256.HashData(clientDataJson), key);

        return JsonSerializer.Serialize(new
        {
            id = Base64Url.EncodeToString(credential.Id),
            rawId = Base64Url.EncodeToString(credential.Id),
            type = "public-key",
            authenticatorAttachment = "cross-platform",
            response = new
            {
                clientDataJSON = Base64Url.EncodeToString(clientDataJson),
                attestationObject = Base64Url.EncodeToString(attestationObject),
                authenticatorData = Base64Url.EncodeToString(authenticatorData),
                transports = Transports,
                publicKeyAlgorithm = Es256,
                publicKey = Base64Url.EncodeToString(key.ExportSubjectPublicKeyInfo()),
            },
            clientExtensionResults = new { credProps = new { rk = true } },
        });
    }

    /// <summary>
    /// navigator.credentials.get(): answers <paramref name="optionsJson"/> (the server's
    /// PublicKeyCredentialRequestOptionsJSON) and returns AuthenticationResponseJSON. With a
    /// non-empty allowCredentials it uses the first listed credential it holds; with an empty one
    /// (discoverable) the newest credential for the RP. Throws NotAllowedError when none fits.
    /// </summary>
    /// <param name="credentialId">Use this credential whatever allowCredentials says (a misbehaving client).</param>
    /// <param name="signCount">Report this counter instead of the next one (a replayed or cloned key); the kept counter is unchanged.</param>
    /// <param name="includeUserHandle">False to leave out userHandle, as some authenticators do for non-discoverable use.</param>
    /// <param name="userHandle">Report this user handle instead of the credential's own.</param>
    /// <param name="forgeSignature">Sign with an unrelated key.</param>
    public string CreateAssertionJson(
        string optionsJson,
        string origin,
        byte[]? credentialId = null,
        uint? signCount = null,
        bool includeUserHandle = true,
        byte[]? userHandle = null,
        bool forgeSignature = false)
    {
        using var document = JsonDocument.Parse(optionsJson);
        var options = document.RootElement;
        var rpId = options.TryGetProperty("rpId", out var id) && id.GetString() is { } value ? value : new Uri(origin).Host;
        var credential = credentialId is not null
            ? _credentials.SingleOrDefault(c => c.Id.AsSpan().SequenceEqual(credentialId))
                ?? throw new InvalidOperationException("The authenticator holds no credential with that id.")
            : Choose(options, rpId);

        uint counter;
        if (signCount is { } replayed)
        {
            counter = replayed;
        }
        else
        {
            credential.SignCount += SignCountStep;
            counter = credential.SignCount;
        }

        var authenticatorData = AuthenticatorData(rpId, attested: false, counter, []);
        var clientDataJson = ClientDataJson("webauthn.get", options.GetProperty("challenge").GetString()!, origin);
        byte[] signature;
        using (var forger = forgeSignature ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null)
        {
            signature = (forger ?? credential.Key).SignData(
                [.. authenticatorData, .. SHA256.HashData(clientDataJson)], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }

        var response = new Dictionary<string, string>
        {
            ["clientDataJSON"] = Base64Url.EncodeToString(clientDataJson),
            ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
            ["signature"] = Base64Url.EncodeToString(signature),
        };
        if (includeUserHandle)
        {
            response["userHandle"] = Base64Url.EncodeToString(userHandle ?? credential.UserHandle);
        }

        return JsonSerializer.Serialize(new
        {
            id = Base64Url.EncodeToString(credential.Id),
            rawId = Base64Url.EncodeToString(credential.Id),
            type = "public-key",
            authenticatorAttachment = "cross-platform",
            response,
            clientExtensionResults = new { },
        });
    }

    public void Dispose()
    {
        foreach (var credential in _credentials)
        {
            credential.Key.Dispose();
        }

        foreach (var (certificate, key) in _attestationCertificates.Values)
        {
            certificate.Dispose();
            key.Dispose();
        }
    }

    private SoftwareCredential? Find(string rpId, byte[] id) =>
        _credentials.FirstOrDefault(c => c.RpId == rpId && c.Id.AsSpan().SequenceEqual(id));

    private SoftwareCredential Choose(JsonElement options, string rpId)
    {
        var allowed = options.TryGetProperty("allowCredentials", out var list)
            ? list.EnumerateArray().Select(e => Base64Url.DecodeFromChars(e.GetProperty("id").GetString())).ToList()
            : [];
        var credential = allowed.Count > 0
            ? allowed.Select(id => Find(rpId, id)).FirstOrDefault(c => c is not null)
            : _credentials.LastOrDefault(c => c.RpId == rpId);
        return credential ?? throw new InvalidOperationException("NotAllowedError: the authenticator holds no credential for this request.");
    }

    /// <summary>WebAuthn §6.1: rpIdHash (32) | flags (1) | signCount (4, big-endian) | attestedCredentialData.</summary>
    private byte[] AuthenticatorData(string rpId, bool attested, uint signCount, byte[] attestedCredentialData)
    {
        var flags = (byte)((UserPresent ? 0x01 : 0) | (UserVerified ? 0x04 : 0) | (BackupEligible ? 0x08 : 0)
            | (BackedUp ? 0x10 : 0) | (attested ? 0x40 : 0));
        var data = new byte[37 + attestedCredentialData.Length];
        SHA256.HashData(Encoding.UTF8.GetBytes(rpId), data.AsSpan(0, 32));
        data[32] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(33, 4), signCount);
        attestedCredentialData.CopyTo(data.AsSpan(37));
        return data;
    }

    /// <summary>WebAuthn attested credential data: aaguid (16) | credentialIdLength (2) | credentialId | credentialPublicKey (COSE_Key).</summary>
    private byte[] AttestedCredentialData(SoftwareCredential credential)
    {
        var cose = credential.CosePublicKey;
        var data = new byte[18 + credential.Id.Length + cose.Length];
        Aaguid.TryWriteBytes(data.AsSpan(0, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(16, 2), (ushort)credential.Id.Length);
        credential.Id.CopyTo(data.AsSpan(18));
        cose.CopyTo(data.AsSpan(18 + credential.Id.Length));
        return data;
    }

    /// <summary>WebAuthn attestation object and §8.2 (packed): {fmt, attStmt, authData} in CTAP2 canonical CBOR.</summary>
    private byte[] AttestationObject(byte[] authenticatorData, byte[] clientDataHash, ECDsa credentialKey)
    {
        byte[] toSign = [.. authenticatorData, .. clientDataHash];
        var writer = new CborWriter(CborConformanceMode.Ctap2Canonical);
        writer.WriteStartMap(3);
        writer.WriteTextString("fmt");
        writer.WriteTextString(Attestation == AttestationStyle.None ? "none" : "packed");
        writer.WriteTextString("attStmt");
        switch (Attestation)
        {
            case AttestationStyle.None:
                writer.WriteStartMap(0);
                break;
            case AttestationStyle.PackedSelf:
                writer.WriteStartMap(2);
                writer.WriteTextString("alg");
                writer.WriteInt32(Es256);
                writer.WriteTextString("sig");
                writer.WriteByteString(credentialKey.SignData(toSign, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
                break;
            case AttestationStyle.PackedWithCertificate:
                var (certificate, key) = AttestationCertificate();
                writer.WriteStartMap(3);
                writer.WriteTextString("alg");
                writer.WriteInt32(Es256);
                writer.WriteTextString("sig");
                writer.WriteByteString(key.SignData(toSign, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
                writer.WriteTextString("x5c");
                writer.WriteStartArray(1);
                writer.WriteByteString(certificate.RawData);
                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"Unknown attestation style {Attestation}.");
        }

        writer.WriteEndMap();
        writer.WriteTextString("authData");
        writer.WriteByteString(authenticatorData);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>One batch certificate per AAGUID, as YubiKeys share theirs across a production batch.</summary>
    private (X509Certificate2 Certificate, ECDsa Key) AttestationCertificate()
    {
        var authority = CertificateAuthority
            ?? throw new InvalidOperationException("PackedWithCertificate attestation needs a CertificateAuthority.");
        if (!_attestationCertificates.TryGetValue(Aaguid, out var issued))
        {
            issued = authority.Issue(Aaguid);
            _attestationCertificates[Aaguid] = issued;
        }

        return issued;
    }

    private static byte[] ClientDataJson(string type, string challenge, string origin) =>
        JsonSerializer.SerializeToUtf8Bytes(new { type, challenge, origin, crossOrigin = false });
}

/// <summary>A discoverable credential held by a <see cref="SoftwareAuthenticator"/>.</summary>
public sealed class SoftwareCredential(byte[] id, string rpId, byte[] userHandle, string userName, ECDsa key)
{
    public byte[] Id { get; } = id;

    public string RpId { get; } = rpId;

    public byte[] UserHandle { get; } = userHandle;

    public string UserName { get; } = userName;

    public ECDsa Key { get; } = key;

    public uint SignCount { get; set; }

    /// <summary>RFC 9053 §7.1.1 COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.</summary>
    public byte[] CosePublicKey
    {
        get
        {
            var point = Key.ExportParameters(includePrivateParameters: false).Q;
            var writer = new CborWriter(CborConformanceMode.Ctap2Canonical);
            writer.WriteStartMap(5);
            writer.WriteInt32(1);
            writer.WriteInt32(2);
            writer.WriteInt32(3);
            writer.WriteInt32(-7);
            writer.WriteInt32(-1);
            writer.WriteInt32(1);
            writer.WriteInt32(-2);
            writer.WriteByteString(point.X!);
            writer.WriteInt32(-3);
            writer.WriteByteString(point.Y!);
            writer.WriteEndMap();
            return writer.Encode();
        }
    }
}

/// <summary>
/// A test attestation CA standing in for Yubico's: a self-signed P-256 root and, per AAGUID, a
/// leaf that meets WebAuthn §8.2.1 (packed attestation certificate requirements): version 3,
/// subject C/O/OU="Authenticator Attestation"/CN, basic constraints CA=false, and
/// id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4) holding the AAGUID.
/// </summary>
public sealed class AttestationCertificateAuthority : IDisposable
{
    // Wide validity: Fido2 checks certificates against the machine clock, the portal against
    // its (fake) TimeProvider, and both must find them valid.
    private static readonly DateTimeOffset NotBefore = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2099, 12, 31, 0, 0, 0, TimeSpan.Zero);

    private readonly ECDsa _key;
    private readonly X509Certificate2 _issuer;

    public AttestationCertificateAuthority(string name = "KeyPortal Test Attestation Root")
    {
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=KeyPortal Tests, C=SE", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _issuer = request.CreateSelfSigned(NotBefore, NotAfter);
        Root = X509CertificateLoader.LoadCertificate(_issuer.RawData);
    }

    /// <summary>The root certificate without its key: what a relying party trusts.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>A leaf attestation certificate for <paramref name="aaguid"/>, with its private key.</summary>
    public (X509Certificate2 Certificate, ECDsa Key) Issue(Guid aaguid)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(
            "CN=KeyPortal Test Attestation, OU=Authenticator Attestation, O=KeyPortal Tests, C=SE", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var aaguidValue = new AsnWriter(AsnEncodingRules.DER);
        aaguidValue.WriteOctetString(aaguid.ToByteArray(bigEndian: true));
        request.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.45724.1.1.4", aaguidValue.Encode(), critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7F; // a positive serial number (RFC 5280 §4.1.2.2)
        var certificate = request.Create(_issuer, NotBefore, NotAfter, serial);
        return (certificate, key);
    }

    public void Dispose()
    {
        Root.Dispose();
        _issuer.Dispose();
        _key.Dispose();
    }
}
