using System.Security.Cryptography.Xml;

namespace KeyPortal.Saml2;

/// <summary>A failed check: the refusal and a sentence for logs and administrators (never key material).</summary>
internal readonly record struct Refused(SamlRefusal Reason, string Detail);

/// <summary>
/// Verifies one enveloped XML signature the way SAML core §5.4 profiles XML-DSig: one Reference, to the ID of the
/// element that carries the signature; exclusive c14n; enveloped-signature and exc-c14n transforms only; strong
/// algorithms; and keys only from configuration, never from the message's KeyInfo.
/// </summary>
internal static class XmlSignatureVerifier
{
    /// <summary>KeyInfo certificates looked at, only to tell "untrusted key" from "invalid", and never to accept.</summary>
    private const int MaxKeyInfoCertificatesExamined = 3;

    static XmlSignatureVerifier() => EcdsaSignatureDescription.EnsureRegistered();

    /// <summary>The signature elements that are direct children of the element (SAML core §5.4.1: enveloped).</summary>
    public static List<XmlElement> SignaturesOf(XmlElement element) => element.Children(SamlNames.XmlDsig, "Signature");

    /// <returns>Null when the signature is valid, made by a trusted key, and covers exactly <paramref name="signedElement"/>.</returns>
    public static Refused? Verify(XmlElement signedElement, XmlElement signature, IReadOnlyList<X509Certificate2> trustedCertificates, bool allowSha1)
    {
        if (!ReferenceEquals(signature.ParentNode, signedElement))
        {
            return new Refused(SamlRefusal.SignatureWrapping, "The signature is not a direct child of the element it should sign.");
        }

        var id = signedElement.AttributeOrNull("ID");
        if (string.IsNullOrEmpty(id))
        {
            return new Refused(SamlRefusal.InvalidSignature, $"The signed <{signedElement.LocalName}> has no ID to reference.");
        }

        var document = signedElement.OwnerDocument;
        var signedXml = new StrictSignedXml(document);
        try
        {
            signedXml.LoadXml(signature);
        }
        catch (CryptographicException)
        {
            return new Refused(SamlRefusal.InvalidSignature, "The signature element is not a well-formed XML signature.");
        }

        if (Form(signedXml, id, allowSha1) is { } badForm)
        {
            return badForm;
        }

        switch (XmlIds.Find(document, id).Count)
        {
            case 0:
                return new Refused(SamlRefusal.SignatureWrapping, "The signature reference resolves to no element.");
            case > 1:
                return new Refused(SamlRefusal.DuplicateId, "The ID the signature references is carried by more than one element.");
        }

        bool verified;
        try
        {
            verified = VerifiesWithAny(signedXml, trustedCertificates);
        }
        catch (CryptographicException)
        {
            return new Refused(SamlRefusal.InvalidSignature, "The signature could not be verified.");
        }

        if (!verified)
        {
            return VerifiesOnlyWithCarriedKey(signedXml, trustedCertificates)
                ? new Refused(SamlRefusal.UntrustedKey, "The signature was made with a key that is not a configured certificate of the identity provider.")
                : new Refused(SamlRefusal.InvalidSignature, "The signature does not verify with any configured certificate of the identity provider.");
        }

        // The digest was computed over whatever the reference resolved to. Only if that is the very node we go on to
        // read does the signature say anything about what we read.
        if (!ReferenceEquals(signedXml.ReferencedElement, signedElement))
        {
            return new Refused(SamlRefusal.SignatureWrapping, "The signature covers another element than the one that would be read.");
        }

        return null;
    }

    private static Refused? Form(StrictSignedXml signedXml, string id, bool allowSha1)
    {
        var signedInfo = signedXml.SignedInfo!;
        if (signedInfo.References.Count != 1)
        {
            return new Refused(SamlRefusal.InvalidSignature, $"The signature has {signedInfo.References.Count} references; SAML allows exactly one.");
        }

        var reference = (Reference)signedInfo.References[0]!;
        if (!string.Equals(reference.Uri, "#" + id, StringComparison.Ordinal))
        {
            return new Refused(SamlRefusal.SignatureWrapping, "The signature does not reference the ID of the element that carries it.");
        }

        if (signedInfo.CanonicalizationMethod != SignatureAlgorithms.ExclusiveC14N)
        {
            return new Refused(SamlRefusal.InvalidSignature, $"Canonicalization {Shown.Value(signedInfo.CanonicalizationMethod)} is not allowed; use exclusive c14n.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Transform transform in reference.TransformChain)
        {
            if (transform.Algorithm is not (SignatureAlgorithms.EnvelopedSignature or SignatureAlgorithms.ExclusiveC14N) || !seen.Add(transform.Algorithm))
            {
                return new Refused(SamlRefusal.InvalidSignature, $"Transform {Shown.Value(transform.Algorithm)} is not allowed in a SAML signature.");
            }
        }

        if (!AlgorithmAllowed(signedXml.SignatureMethod, SignatureAlgorithms.IsStrongSignature, SignatureAlgorithms.RsaSha1, allowSha1))
        {
            return new Refused(SamlRefusal.WeakAlgorithm, $"Signature algorithm {Shown.Value(signedXml.SignatureMethod)} is not allowed.");
        }

        if (!AlgorithmAllowed(reference.DigestMethod, SignatureAlgorithms.IsStrongDigest, SignatureAlgorithms.Sha1, allowSha1))
        {
            return new Refused(SamlRefusal.WeakAlgorithm, $"Digest algorithm {Shown.Value(reference.DigestMethod)} is not allowed.");
        }

        return null;
    }

    private static bool AlgorithmAllowed(string? algorithm, Func<string?, bool> strong, string sha1, bool allowSha1) =>
        strong(algorithm) || (allowSha1 && algorithm == sha1);

    private static bool VerifiesWithAny(StrictSignedXml signedXml, IReadOnlyList<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            if (VerifiesWith(signedXml, certificate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The public key of the certificate only: no chain building, revocation or key-usage checks. SAML metadata
    /// (SAML metadata §2.4.1.1) makes the configured certificate a key container; trust comes from configuration.
    /// </summary>
    private static bool VerifiesWith(StrictSignedXml signedXml, X509Certificate2 certificate)
    {
        if (SignatureAlgorithms.IsEcdsa(signedXml.SignatureMethod))
        {
            using var ecdsa = certificate.GetECDsaPublicKey();
            return ecdsa is not null && signedXml.CheckSignature(ecdsa);
        }

        using var rsa = certificate.GetRSAPublicKey();
        return rsa is not null && signedXml.CheckSignature(rsa);
    }

    /// <summary>
    /// Diagnosis only, after the configured keys failed: would a certificate the message carries in KeyInfo verify it?
    /// That is what an identity provider that rolled its key over (or an attacker) looks like, and an administrator
    /// needs to tell the two failures apart. The answer never leads to acceptance.
    /// </summary>
    private static bool VerifiesOnlyWithCarriedKey(StrictSignedXml signedXml, IReadOnlyList<X509Certificate2> trusted)
    {
        var examined = 0;
        foreach (var clause in signedXml.KeyInfo.OfType<KeyInfoX509Data>())
        {
            foreach (var carried in clause.Certificates?.OfType<X509Certificate2>() ?? [])
            {
                if (examined++ >= MaxKeyInfoCertificatesExamined)
                {
                    return false;
                }

                if (trusted.Any(t => t.RawDataMemory.Span.SequenceEqual(carried.RawDataMemory.Span)))
                {
                    continue;
                }

                try
                {
                    if (VerifiesWith(signedXml, carried))
                    {
                        return true;
                    }
                }
                catch (CryptographicException)
                {
                    return false;
                }
            }
        }

        return false;
    }
}
