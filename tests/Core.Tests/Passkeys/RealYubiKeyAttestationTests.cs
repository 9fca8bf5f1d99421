using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Text;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using KeyPortal.Core.Passkeys;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Tests.Passkeys;

/// <summary>
/// The YubiKey policy against attestations made by real YubiKeys, with the Yubico roots the
/// product ships: proves the embedded roots, the x5c chain check and the AAGUID extension check
/// work on genuine device output, not only on the test CA's certificates.
/// </summary>
public sealed class RealYubiKeyAttestationTests
{
    public static TheoryData<string> AcceptedKeys() => [nameof(RealAttestation.YubiKey5Ci), nameof(RealAttestation.YubiKey5NfcFips), nameof(RealAttestation.YubiKeyBio556)];

    [Theory]
    [MemberData(nameof(AcceptedKeys))]
    public async Task GenuineYubiKey_IsProvenByYubicosRoots(string example)
    {
        var registered = await VerifyWithFido2Async(RealAttestation.Named(example));

        Policy(AuthenticatorCatalog.LoadEmbedded()).EnsureAllowed(registered);

        Assert.Equal("packed", registered.AttestationFormat);
    }

    [Theory]
    [MemberData(nameof(AcceptedKeys))]
    public async Task GenuineYubiKey_WithoutYubicosRootsTrusted_IsNotProven(string example)
    {
        using var other = new AttestationCertificateAuthority();
        var registered = await VerifyWithFido2Async(RealAttestation.Named(example));
        var catalog = new AuthenticatorCatalog(AuthenticatorCatalog.LoadEmbeddedModels(), [other.Root]);

        DomainAssert.Refused("passkey.attestation_unverified", () => Policy(catalog).EnsureAllowed(registered));
    }

    [Fact]
    public async Task GenuineYubiKeyOfTheFirmware51Series_IsTooOld()
    {
        var registered = await VerifyWithFido2Async(RealAttestation.YubiKey5NanoFirmware51);

        DomainAssert.Refused("passkey.firmware_too_old", () => Policy(AuthenticatorCatalog.LoadEmbedded()).EnsureAllowed(registered));
    }

    [Fact]
    public async Task GenuineCertificate_PresentedForAnotherAaguid_IsNotProven()
    {
        // Fido2 already refuses a statement whose certificate names another AAGUID than authData;
        // the policy checks it again itself, as the genuine 5Ci certificate must not vouch for a 5 NFC.
        var registered = await VerifyWithFido2Async(RealAttestation.YubiKey5Ci);
        var claimed = new RegisteredPublicKeyCredential
        {
            Id = registered.Id,
            PublicKey = registered.PublicKey,
            AaGuid = SoftwareAuthenticator.YubiKey5NfcAaguid,
            AttestationFormat = registered.AttestationFormat,
            AttestationObject = registered.AttestationObject,
            AttestationClientDataJson = registered.AttestationClientDataJson,
            AttestationType = registered.AttestationType,
            Transports = registered.Transports,
            User = registered.User,
            Type = registered.Type,
        };

        DomainAssert.Refused("passkey.attestation_unverified", () => Policy(AuthenticatorCatalog.LoadEmbedded()).EnsureAllowed(claimed));
    }

    private static AuthenticatorPolicy Policy(AuthenticatorCatalog catalog) =>
        new(catalog, TestClock.Create(), Options.Create(new PasskeyOptions { Policy = AuthenticatorPolicyKind.YubiKey }));

    /// <summary>
    /// Runs Fido2's registration checks on a recorded attestation. The recording's own options are
    /// rebuilt from its clientDataJSON (challenge, origin) and RP ID; user verification is asked
    /// for only when the key did verify, since some recordings were made without a PIN.
    /// </summary>
    private static async Task<RegisteredPublicKeyCredential> VerifyWithFido2Async(RealAttestation example)
    {
        using var clientData = JsonDocument.Parse(example.ClientDataJson);
        var attestationObject = Base64Url.DecodeFromChars(example.AttestationObject);
        var authenticatorData = AuthenticatorDataOf(attestationObject);
        var credentialId = authenticatorData.AsSpan(55, BinaryPrimitives.ReadUInt16BigEndian(authenticatorData.AsSpan(53, 2))).ToArray();
        var userVerified = (authenticatorData[32] & 0x04) != 0;
        var fido2 = new Fido2(new Fido2Configuration
        {
            RPID = example.RpId,
            RPName = "Recorded RP",
            Origins = new HashSet<string> { example.Origin },
        });
        var options = new CredentialCreateOptions
        {
            Rp = new PublicKeyCredentialRpEntity(example.RpId, "Recorded RP"),
            User = new Fido2User { Id = [1], Name = "recorded", DisplayName = "recorded" },
            Challenge = Base64Url.DecodeFromChars(clientData.RootElement.GetProperty("challenge").GetString()),
            PubKeyCredParams = [PubKeyCredParam.ES256, PubKeyCredParam.Ed25519],
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Discouraged,
                UserVerification = userVerified ? UserVerificationRequirement.Required : UserVerificationRequirement.Discouraged,
            },
            Attestation = AttestationConveyancePreference.Direct,
        };
        var response = new AuthenticatorAttestationRawResponse
        {
            Id = Base64Url.EncodeToString(credentialId),
            RawId = credentialId,
            Type = PublicKeyCredentialType.PublicKey,
            Response = new AuthenticatorAttestationRawResponse.AttestationResponse
            {
                AttestationObject = attestationObject,
                ClientDataJson = Encoding.UTF8.GetBytes(example.ClientDataJson),
            },
        };

        return await fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
        {
            AttestationResponse = response,
            OriginalOptions = options,
            IsCredentialIdUniqueToUserCallback = (_, _) => Task.FromResult(true),
        });
    }

    private static byte[] AuthenticatorDataOf(byte[] attestationObject)
    {
        var reader = new CborReader(attestationObject, CborConformanceMode.Lax);
        var entries = reader.ReadStartMap() ?? 0;
        for (var i = 0; i < entries; i++)
        {
            if (reader.ReadTextString() == "authData")
            {
                return reader.ReadByteString();
            }

            reader.SkipValue();
        }

        throw new InvalidOperationException("The attestation object has no authData.");
    }
}

/// <summary>
/// Registrations recorded from real YubiKeys, from Yubico's java-webauthn-server test suite
/// (webauthn-server-core/src/test/scala/com/yubico/webauthn/test/RealExamples.scala,
/// Copyright (c) Yubico AB, BSD 2-clause licence). Public device output: attestation objects
/// (base64url) and the clientDataJSON they sign.
/// </summary>
public sealed record RealAttestation(string RpId, string Origin, string ClientDataJson, string AttestationObject)
{
    /// <summary>YubiKey 5 Nano, firmware 5.1 (AAGUID cb69481e), ES256, user verified.</summary>
    public static readonly RealAttestation YubiKey5NanoFirmware51 = new(
        "example.com",
        "https://example.com",
        """{"type": "webauthn.create", "clientExtensions": {}, "challenge": "Y2hhbGxlbmdl", "origin": "https://example.com"}""",
        "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEgwRgIhAMw3heLnLh7oOq4gwxQRviDPT0_VDxys8Kq2MFOfTZBzAiEAtL3D"
        + "6ZqtiupoAMqntqi07OrEl5RJGJkoZ7bLwepVJQBjeDVjgVkCwTCCAr0wggGloAMCAQICBBisRsAwDQYJKoZIhvcNAQELBQAwLjEs"
        + "MCoGA1UEAxMjWXViaWNvIFUyRiBSb290IENBIFNlcmlhbCA0NTcyMDA2MzEwIBcNMTQwODAxMDAwMDAwWhgPMjA1MDA5MDQwMDAw"
        + "MDBaMG4xCzAJBgNVBAYTAlNFMRIwEAYDVQQKDAlZdWJpY28gQUIxIjAgBgNVBAsMGUF1dGhlbnRpY2F0b3IgQXR0ZXN0YXRpb24x"
        + "JzAlBgNVBAMMHll1YmljbyBVMkYgRUUgU2VyaWFsIDQxMzk0MzQ4ODBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHnqOyx8SXAQ"
        + "YiMM0j_rYOUpMXHUg_EAvoWdaw-DlwMBtUbN1G7PyuPj8w-B6e1ivSaNTB69N7O8vpKowq7rTjqjbDBqMCIGCSsGAQQBgsQKAgQV"
        + "MS4zLjYuMS40LjEuNDE0ODIuMS43MBMGCysGAQQBguUcAgEBBAQDAgUgMCEGCysGAQQBguUcAQEEBBIEEMtpSB6P90A5k-wKJymh"
        + "VKgwDAYDVR0TAQH_BAIwADANBgkqhkiG9w0BAQsFAAOCAQEAl50Dl9hg-C7hXTEceW66-yL6p-CE2bq0xhu7V_PmtMGKSDe4XDxO"
        + "2-SDQ_TWpdmxztqK4f7UkSkhcwWOXuHL3WvawHVXxqDo02gluhWef7WtjNr4BIaM-Q6PH4rqF8AWtVwqetSXyJT7cddT15uaSEts"
        + "N21yO5mNLh1DBr8QM7Wu-Myly7JWi2kkIm0io1irfYfkrF8uCRqnFXnzpWkJSX1y9U4GusHDtEE7ul6vlMO2TzT566Qay2rig3dt"
        + "NkZTeEj-6IS93fWxuleYVM_9zrrDRAWVJ-Vt1Zj49WZxWr5DAd0ZETDmufDGQDkSU-IpgD867ydL7b_eP8u9QurWeWhhdXRoRGF0"
        + "YVjEo3mm9u6vuaVeN4wRgDTidR5oL6ufLTCrE9ISVYbOGUdFAAAAyMtpSB6P90A5k-wKJymhVKgAQApDelLpYd9AP-NbX7v8lJel"
        + "Mv5xVvJq1u4va8qaLTf2e4Tf7QL7F4nkZZnfTVBv74xF0i8794sPbpK--e0N8-SlAQIDJiABIVggXaCve37FWbdyNEXiSmuDUdsc"
        + "0K-UDHnYEQ-Sc3PHxcAiWCD7VMEBw6F_IOsfg7DISuN8aT70W14W1NQCX0xjQSUnsw");

    /// <summary>YubiKey 5Ci, firmware 5.2/5.4 (AAGUID c5ef55ff), ES256, user present only.</summary>
    public static readonly RealAttestation YubiKey5Ci = new(
        "example.com",
        "https://example.com",
        """{"type": "webauthn.create", "clientExtensions": {}, "challenge": "Y2hhbGxlbmdl", "origin": "https://example.com"}""",
        "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEYwRAIgXOZEuIaBrKT5VYJu9_D410HgJRm1SenwlKiXtcQxe0ICIG1_ycPC"
        + "KHPjEsgRFVr4WdK5IY8K7aCyAc03c1-wnBJCY3g1Y4FZAsEwggK9MIIBpaADAgECAgQr8Xx4MA0GCSqGSIb3DQEBCwUAMC4xLDAq"
        + "BgNVBAMTI1l1YmljbyBVMkYgUm9vdCBDQSBTZXJpYWwgNDU3MjAwNjMxMCAXDTE0MDgwMTAwMDAwMFoYDzIwNTAwOTA0MDAwMDAw"
        + "WjBuMQswCQYDVQQGEwJTRTESMBAGA1UECgwJWXViaWNvIEFCMSIwIAYDVQQLDBlBdXRoZW50aWNhdG9yIEF0dGVzdGF0aW9uMScw"
        + "JQYDVQQDDB5ZdWJpY28gVTJGIEVFIFNlcmlhbCA3MzcyNDYzMjgwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR0wseEI8hxLptI"
        + "8llYZvxwQK5M3wfXd9WFrwSTme36kjy-tJ-XFvn1WnhsNCUfyPNePehbVnBQOMcLoScZYHmLo2wwajAiBgkrBgEEAYLECgIEFTEu"
        + "My42LjEuNC4xLjQxNDgyLjEuNzATBgsrBgEEAYLlHAIBAQQEAwICJDAhBgsrBgEEAYLlHAEBBAQSBBDF71X_rZpLn7WAreuv4CbQ"
        + "MAwGA1UdEwEB_wQCMAAwDQYJKoZIhvcNAQELBQADggEBAItuk3adeE1u6dkA0nECf8J35Lgm5mw5udSIucstLQU9ZrTVNjwXugnx"
        + "sT5oVriRN7o1BB-Lz7KJmtDw34kvh_uA11A9Ksf6veIV3hK-ugN7WNok7gn0t6IWOZF1xVr7lyo0XgbV88Kh-_D1biUqc5u49qSv"
        + "TH-Jx1WrUxeFh1S1CTpmvmYGdzgWE32qLsNeoscPkbtkVSYbB8hwPb7SbV_WbBBLzJEPn79oMJ_e-63B12iLdyu2K_PKuibBsqSV"
        + "Hioe6cnvksZktkDykn-ZedRDpNOyBGo-89eBA9tLIYx_bP8Mg9tCoIP8GZzh2P2joujOF4F0O1xkICNI9MB3-6JoYXV0aERhdGFY"
        + "xKN5pvbur7mlXjeMEYA04nUeaC-rny0wqxPSElWGzhlHQQAAAATF71X_rZpLn7WAreuv4CbQAEDDAvEvv-vY_dFxV_gwT7mhKUN9"
        + "M6PatW8FqDSEjXAaJL4EjL5exyo-FIaoqgH4lfmw-19_6ao6j9zPlFGHBmUOpQECAyYgASFYILUgImoYph7H0FqX_aKS3A4Ph1Ak"
        + "i_Edg9YB6oxw7nrIIlgghBKeVu0Z4cV6-Cya1H2ZTeeWdisBlK6QWDM89ne6794");

    /// <summary>YubiKey 5 NFC FIPS, firmware 5.4 (AAGUID c1f9a0bc), EdDSA, user verified, credProtect extension.</summary>
    public static readonly RealAttestation YubiKey5NfcFips = new(
        "demo.yubico.com",
        "https://demo.yubico.com",
        """{"type":"webauthn.create","challenge":"BkRnXYHVbiUEJYPPcVAOig","origin":"https://demo.yubico.com","crossOrigin":false,"other_keys_can_be_added_here":"do not compare clientDataJSON against a template. See https://goo.gl/yabPex"}""",
        "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEcwRQIhAMrVMrCPZDK3RNFKKdDOYoSPsEqgSecbvfUIuPk84nIwAiA6Vbne"
        + "oEArKqgrwWnDcQi03kyWQrPmr3JqHtPUXNGitWN4NWOBWQLwMIIC7DCCAdSgAwIBAgIJAN1TJeaFJ6cVMA0GCSqGSIb3DQEBCwUA"
        + "MC4xLDAqBgNVBAMTI1l1YmljbyBVMkYgUm9vdCBDQSBTZXJpYWwgNDU3MjAwNjMxMCAXDTE0MDgwMTAwMDAwMFoYDzIwNTAwOTA0"
        + "MDAwMDAwWjBvMQswCQYDVQQGEwJTRTESMBAGA1UECgwJWXViaWNvIEFCMSIwIAYDVQQLDBlBdXRoZW50aWNhdG9yIEF0dGVzdGF0"
        + "aW9uMSgwJgYDVQQDDB9ZdWJpY28gVTJGIEVFIFNlcmlhbCAxNzEzNzIyMzMzMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDeoY"
        + "3vFmcuLvf1SL2oqIV5WaVs9VGyB4GPmtxdHY84v_-R2wtLKvAfjIH9eTIq3-Ev3-UQLipTY0Bb9Xn9Sp3KOBlDCBkTATBgorBgEE"
        + "AYLECg0BBAUEAwUEAjAQBgkrBgEEAYLECgwEAwIBBDAiBgkrBgEEAYLECgIEFTEuMy42LjEuNC4xLjQxNDgyLjEuNzATBgsrBgEE"
        + "AYLlHAIBAQQEAwIEMDAhBgsrBgEEAYLlHAEBBAQSBBDB-aC8HdJASrJ_jikEekP9MAwGA1UdEwEB_wQCMAAwDQYJKoZIhvcNAQEL"
        + "BQADggEBAGl5dmZIe5GOHFOAvVUaWFWyet89UCHWKmLBTXXfuoPwYqatxGhVqIeiV4nAuFF127294SzJcMgzycToui5_g8OUonTv"
        + "s9xWF9yH23fXjGcBWoGErlF7DqkycOz2NtjPhGwEfBnE--0_KRc_IN6bu7u_XPXNwNmCLcg0reERI23NO_ZftcWebjRBCwY3p6l0"
        + "ahalKmrgqOi7bhU1AjbHmiEvJgeBcpZphS87eikierMO5PmwvdbV3okNseEoaeoHDDQ7Av6RwCtKCXwYupRs6sULgUwo0fz2znUR"
        + "A-zSuTzK4iZ_hmQvRVJtQBPtfpwBEmNEdwwZ1A-VxfspsYzA7AVoYXV0aERhdGFYn8Rs74KtG1Rkd1kdAIsIdZ7D5tLstPOUdL_q"
        + "aWmSXQO3xQAAAALB-aC8HdJASrJ_jikEekP9ADCoKvXSwuTSIXADOmvBwyJiDqQ6hh3epKxT2gFcv7_fe7KF6ZidYuy5hytIti-j"
        + "yUSkAQEDJyAGIVggqCr10sLk0iFwAzprwb1UlYO_I5e1odNDyARvWzyHZkuha2NyZWRQcm90ZWN0Ag");

    /// <summary>YubiKey Bio FIDO Edition, firmware 5.5.6 (AAGUID d8522d9f), ES256, fingerprint verified.</summary>
    public static readonly RealAttestation YubiKeyBio556 = new(
        "demo.yubico.com",
        "https://demo.yubico.com",
        """{"type":"webauthn.create","challenge":"BxhY68dg3xsMVaQidjimAw","origin":"https://demo.yubico.com","crossOrigin":false}""",
        "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEgwRgIhAMSgpu1ru29YJex9vN8Zmt7RJkvOj_DmD2Cnfz8nhVmLAiEA8qnz"
        + "6llKsjWfZ1OYrR4AIS3JTIXsQgbmeK61pzuesYJjeDVjgVkC3DCCAtgwggHAoAMCAQICCQD_h2wtr3N5yDANBgkqhkiG9w0BAQsF"
        + "ADAuMSwwKgYDVQQDEyNZdWJpY28gVTJGIFJvb3QgQ0EgU2VyaWFsIDQ1NzIwMDYzMTAgFw0xNDA4MDEwMDAwMDBaGA8yMDUwMDkw"
        + "NDAwMDAwMFowbjELMAkGA1UEBhMCU0UxEjAQBgNVBAoMCVl1YmljbyBBQjEiMCAGA1UECwwZQXV0aGVudGljYXRvciBBdHRlc3Rh"
        + "dGlvbjEnMCUGA1UEAwweWXViaWNvIFUyRiBFRSBTZXJpYWwgNzYyMDg3NDIzMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJfEj"
        + "oEgoP8V5bM-IfZlIn9k1wkGYxLXY1bLCv9fdXRWv5FtwcHdlZ9W1sLI-BFYLW-p3tIOx9kkeU6PyvuajmqOBgTB_MBMGCisGAQQB"
        + "gsQKDQEEBQQDBQUGMCIGCSsGAQQBgsQKAgQVMS4zLjYuMS40LjEuNDE0ODIuMS45MBMGCysGAQQBguUcAgEBBAQDAgUgMCEGCysG"
        + "AQQBguUcAQEEBBIEENhSLZ9XW0hmiKm6mfoC81swDAYDVR0TAQH_BAIwADANBgkqhkiG9w0BAQsFAAOCAQEAUrBpSduq0aZMG6nr"
        + "wZizF-wx-aNzY7pRYbNC46ScrVBPNOdCi7iW6c_SjQOtEM4yWgaDjptsTssXrUDQkKFsnnw0SYMy_4U7YnR-j83wDa5idW5XvUCx"
        + "bWd5B6g1wENaLrzpsLkGnKEiv52WSnMgavdP88ABROv_PefHdY0xR8jC-f6HwS8qlnWiBGsBB2NhqZchhx-nj7DeKUW1efkWbEit"
        + "L9UMPOVsgiGnUIP2VhGTlDaP8X0skgxjoJ8B7SUBFGt98as5cKKjKTj6mlF69HEIXhYLPKeXZCMXRrpqu6aODRPOJZeWvNKgOtg8"
        + "dOFTMTKOq0OOakGXyxLsb9HjiGhhdXRoRGF0YVifxGzvgq0bVGR3WR0Aiwh1nsPm0uy085R0v-ppaZJdA7fFAAAABNhSLZ9XW0hm"
        + "iKm6mfoC81sAMIg_92bCZgLh2oUu6QF2XrSYZKh-qP1J3wf1SgOOkcMnF499E7JiLPi5YhY_308TfKQBAQMnIAYhWCCIP_dmwmYC"
        + "4dqFLukBggD0oYvvkNUWXNzokKlsiK0_vaFrY3JlZFByb3RlY3QC");

    public static RealAttestation Named(string name) => name switch
    {
        nameof(YubiKey5Ci) => YubiKey5Ci,
        nameof(YubiKey5NfcFips) => YubiKey5NfcFips,
        nameof(YubiKeyBio556) => YubiKeyBio556,
        nameof(YubiKey5NanoFirmware51) => YubiKey5NanoFirmware51,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such recording."),
    };
}
