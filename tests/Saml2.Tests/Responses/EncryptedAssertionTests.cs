using KeyPortal.Saml2.Tests.Support;
using static KeyPortal.Saml2.Tests.Support.TestResponses;

namespace KeyPortal.Saml2.Tests.Responses;

/// <summary>saml:EncryptedAssertion (SAML core §2.3.4): decrypted with our key, then validated like a plain one.</summary>
public sealed class EncryptedAssertionTests
{
    private static ResponseValidationParameters WithDecryption() => Parameters(decryptionCertificate: TestCertificates.Encryption);

    [Fact]
    public void Aes256Cbc_WithRsaOaep_IsDecryptedAndAccepted()
    {
        var document = new SamlResponseBuilder().Build();
        TestEncryption.EncryptAes256Cbc(document, TestCertificates.Encryption);

        var assertion = AssertAccepted(Validate(document, WithDecryption()));

        Assert.Equal("alice@example.com", assertion.NameId);
    }

    [Fact]
    public void Aes256Gcm_WithRsaOaep_IsDecryptedAndAccepted()
    {
        var document = new SamlResponseBuilder().Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption);

        var assertion = AssertAccepted(Validate(document, WithDecryption()));

        Assert.Equal("alice@example.com", assertion.NameId);
    }

    [Fact]
    public void Aes128Gcm_WithXmlEnc11RsaOaepSha256_IsDecryptedAndAccepted()
    {
        var document = new SamlResponseBuilder().Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption, TestEncryption.Aes128Gcm, TestEncryption.RsaOaep11, oaepSha256: true);

        AssertAccepted(Validate(document, WithDecryption()));
    }

    [Fact]
    public void EncryptedInsideASignedResponse_IsAccepted()
    {
        // The Response signature covers the ciphertext, so it is checked before decryption.
        var builder = new SamlResponseBuilder { SignResponse = false };
        var document = builder.Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption);
        XmlSigning.Sign(document.DocumentElement!, TestCertificates.IdentityProvider);

        AssertAccepted(Validate(document, WithDecryption()));
    }

    [Fact]
    public void EncryptedAssertionRelyingOnTheResponsesNamespaceDeclaration_IsAccepted()
    {
        // XML Encryption §4.1 serialises the element alone; some identity providers leave the saml prefix to be
        // declared by the enclosing Response, so decryption must parse in that context.
        var document = new SamlResponseBuilder().Build();
        var declaration = $"xmlns:saml=\"{SamlResponseBuilder.Assertion}\"";
        string WithoutDeclaration(string xml)
        {
            var serialized = xml.Remove(xml.IndexOf(declaration, StringComparison.Ordinal), declaration.Length);
            Assert.DoesNotContain(declaration, serialized, StringComparison.Ordinal);
            return serialized;
        }

        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption, serialized: WithoutDeclaration);

        AssertAccepted(Validate(document, WithDecryption()));
    }

    [Fact]
    public void Encrypted_WithoutDecryptionCertificate_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption);

        AssertRefused(SamlRefusal.EncryptedAssertionUnsupported, Validate(document));
    }

    [Fact]
    public void EncryptedForAnotherKey_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.ServiceProvider);

        AssertRefused(SamlRefusal.DecryptionFailed, Validate(document, WithDecryption()));
    }

    [Fact]
    public void TamperedGcmCiphertext_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption, tamper: data => data[20] ^= 0x01);

        AssertRefused(SamlRefusal.DecryptionFailed, Validate(document, WithDecryption()));
    }

    [Fact]
    public void RsaPkcs1v15KeyTransport_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption, keyTransport: TestEncryption.Rsa15);

        AssertRefused(SamlRefusal.DecryptionFailed, Validate(document, WithDecryption()));
    }

    [Fact]
    public void EncryptedUnsignedAssertion_IsRefused()
    {
        var document = new SamlResponseBuilder { SignAssertion = false }.Build();
        TestEncryption.EncryptAesGcm(document, TestCertificates.Encryption);

        AssertRefused(SamlRefusal.MissingSignature, Validate(document, WithDecryption()));
    }
}
