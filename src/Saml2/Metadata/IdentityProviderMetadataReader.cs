namespace KeyPortal.Saml2;

/// <summary>Reads an identity provider's SAML 2.0 metadata (SAML metadata §2.3, §2.4.3), refusing what cannot be used safely.</summary>
public static class IdentityProviderMetadataReader
{
    /// <summary>
    /// Parses an md:EntityDescriptor, or picks one from an md:EntitiesDescriptor: the one with
    /// <see cref="MetadataReadOptions.EntityId"/>, or else the first that is a SAML 2.0 identity provider.
    /// </summary>
    /// <exception cref="SamlMetadataException">The metadata cannot be used; the message says why, for an administrator.</exception>
    public static IdentityProviderMetadata Read(string xml, MetadataReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);

        var loaded = SecureXml.Load(xml, options.MaxBytes);
        if (loaded.Document?.DocumentElement is not { } root)
        {
            throw loaded.Failure switch
            {
                XmlLoadFailure.TooLarge => Error(SamlMetadataError.TooLarge, $"The metadata is larger than {options.MaxBytes} bytes."),
                XmlLoadFailure.DoctypeNotAllowed => Error(SamlMetadataError.DoctypeNotAllowed, "The metadata has a DOCTYPE, which is not allowed."),
                _ => Error(SamlMetadataError.NotXml, $"The metadata is not well-formed XML. {loaded.Detail}"),
            };
        }

        if (!root.Is(SamlNames.Metadata, "EntityDescriptor") && !root.Is(SamlNames.Metadata, "EntitiesDescriptor"))
        {
            throw Error(SamlMetadataError.NotMetadata, $"The document is not SAML metadata: its root is {Shown.Value(root.Name)}, not md:EntityDescriptor or md:EntitiesDescriptor.");
        }

        if (options.MetadataSigningCertificate is { } signingCertificate)
        {
            VerifySignature(root, signingCertificate, options.AllowSha1);
        }

        var entity = SelectEntity(root, options.EntityId);
        var entityId = entity.AttributeOrNull("entityID");
        if (string.IsNullOrWhiteSpace(entityId))
        {
            throw Error(SamlMetadataError.NotMetadata, "The EntityDescriptor has no entityID.");
        }

        var idp = IdentityProviderDescriptorOf(entity)
            ?? throw Error(SamlMetadataError.NoIdentityProvider, $"The entity {Shown.Value(entityId)} has no IDPSSODescriptor supporting SAML 2.0.");

        var validUntil = ValidUntil(idp, root);
        if (validUntil is { } until && until <= options.TimeProvider.GetUtcNow())
        {
            throw Error(SamlMetadataError.Expired, $"The metadata was valid until {SamlTime.Format(until)}; fetch a current copy from the identity provider.");
        }

        var sso = EndpointOf(idp, "SingleSignOnService", SamlNames.HttpRedirectBinding)
            ?? throw Error(SamlMetadataError.NoRedirectSingleSignOnService, "The identity provider offers no SingleSignOnService with the HTTP-Redirect binding and an absolute http(s) location.");

        var certificates = SigningCertificates(idp);
        if (certificates.Count == 0)
        {
            throw Error(SamlMetadataError.NoSigningCertificate, "The identity provider's metadata carries no signing certificate (KeyDescriptor use=\"signing\" or without use, with an X509Certificate).");
        }

        return new IdentityProviderMetadata(
            entityId.Trim(),
            sso,
            certificates,
            validUntil,
            IsTrue(idp.AttributeOrNull("WantAuthnRequestsSigned")),
            EndpointOf(idp, "SingleLogoutService", SamlNames.HttpRedirectBinding) ?? EndpointOf(idp, "SingleLogoutService", SamlNames.HttpPostBinding));
    }

    /// <summary>
    /// SAML metadata §3.1: an enveloped signature on the root, checked with the same rules as a Response signature
    /// and only against the configured certificate. Everything read afterwards lies inside that root.
    /// </summary>
    private static void VerifySignature(XmlElement root, X509Certificate2 certificate, bool allowSha1)
    {
        var signatures = XmlSignatureVerifier.SignaturesOf(root);
        if (signatures.Count == 0)
        {
            throw Error(SamlMetadataError.MissingSignature, "The metadata is not signed, but a metadata signing certificate is configured.");
        }

        if (signatures.Count > 1)
        {
            throw Error(SamlMetadataError.InvalidSignature, "The metadata carries more than one signature on its root.");
        }

        if (XmlIds.FindDuplicate(root.OwnerDocument) is { } duplicate)
        {
            throw Error(SamlMetadataError.InvalidSignature, $"The ID {Shown.Value(duplicate)} is carried by more than one element.");
        }

        if (XmlSignatureVerifier.Verify(root, signatures[0], [certificate], allowSha1) is { } refused)
        {
            throw Error(SamlMetadataError.InvalidSignature, $"The metadata signature is not valid: {refused.Detail}");
        }
    }

    private static XmlElement SelectEntity(XmlElement root, string? entityId)
    {
        var entities = root.DescendantsAndSelf().Where(e => e.Is(SamlNames.Metadata, "EntityDescriptor")).ToList();
        if (entityId is null)
        {
            return entities.FirstOrDefault(e => IdentityProviderDescriptorOf(e) is not null)
                ?? throw Error(SamlMetadataError.NoIdentityProvider, "The metadata describes no SAML 2.0 identity provider (IDPSSODescriptor).");
        }

        var matching = entities.Where(e => string.Equals(e.AttributeOrNull("entityID")?.Trim(), entityId, StringComparison.Ordinal)).ToList();
        return matching.Count switch
        {
            0 => throw Error(SamlMetadataError.EntityNotFound, $"The metadata has no entity {Shown.Value(entityId)}."),
            > 1 => throw Error(SamlMetadataError.EntityNotFound, $"The metadata describes the entity {Shown.Value(entityId)} more than once."),
            _ => matching[0],
        };
    }

    /// <summary>SAML metadata §2.4.1: protocolSupportEnumeration is a list of URIs, which must include SAML 2.0's.</summary>
    private static XmlElement? IdentityProviderDescriptorOf(XmlElement entity) =>
        entity.Children(SamlNames.Metadata, "IDPSSODescriptor").FirstOrDefault(d =>
            (d.AttributeOrNull("protocolSupportEnumeration") ?? string.Empty)
                .Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)
                .Contains(SamlNames.Protocol, StringComparer.Ordinal));

    /// <summary>SAML metadata §2.3.1: validUntil on any enclosing element bounds everything inside it, so the earliest one counts.</summary>
    private static DateTimeOffset? ValidUntil(XmlElement descriptor, XmlElement root)
    {
        DateTimeOffset? earliest = null;
        for (XmlNode? node = descriptor; node is XmlElement element; node = ReferenceEquals(element, root) ? null : element.ParentNode)
        {
            var text = element.AttributeOrNull("validUntil");
            if (text is null)
            {
                continue;
            }

            if (!SamlTime.TryParse(text, out var until))
            {
                throw Error(SamlMetadataError.NotMetadata, $"validUntil {Shown.Value(text)} is not a UTC xs:dateTime.");
            }

            earliest = earliest is { } e && e <= until ? e : until;
        }

        return earliest;
    }

    private static Uri? EndpointOf(XmlElement descriptor, string endpoint, string binding) =>
        descriptor.Children(SamlNames.Metadata, endpoint)
            .Where(e => e.AttributeOrNull("Binding") == binding)
            .Select(e => Uri.TryCreate(e.AttributeOrNull("Location")?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : null)
            .FirstOrDefault(uri => uri is not null);

    /// <summary>SAML metadata §2.4.1.1: a KeyDescriptor without use serves both signing and encryption.</summary>
    private static List<X509Certificate2> SigningCertificates(XmlElement descriptor)
    {
        var certificates = new List<X509Certificate2>();
        foreach (var keyDescriptor in descriptor.Children(SamlNames.Metadata, "KeyDescriptor"))
        {
            if (keyDescriptor.AttributeOrNull("use") is not (null or "signing"))
            {
                continue;
            }

            var encoded = keyDescriptor.Children(SamlNames.XmlDsig, "KeyInfo")
                .SelectMany(k => k.Children(SamlNames.XmlDsig, "X509Data"))
                .SelectMany(d => d.Children(SamlNames.XmlDsig, "X509Certificate"));
            foreach (var element in encoded)
            {
                var certificate = LoadCertificate(element.DescendantText());
                if (!certificates.Any(c => c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)))
                {
                    certificates.Add(certificate);
                }
            }
        }

        return certificates;
    }

    private static X509Certificate2 LoadCertificate(string base64)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            throw Error(SamlMetadataError.InvalidCertificate, "A signing certificate in the metadata is not a valid base64 X.509 certificate.");
        }
    }

    private static bool IsTrue(string? value) => value?.Trim() is "true" or "1";

    private static SamlMetadataException Error(SamlMetadataError error, string message) => new(error, message);
}
