using System.Text;

namespace KeyPortal.Saml2;

/// <summary>
/// Validates a Response posted to the assertion consumer service (SAML bindings §3.5, Web Browser SSO profile
/// §4.1). Checks run in a fixed order and the first failure is returned: the envelope first (size, XML, shape, which
/// elements exist where), then the signatures, and only then what the signed content says. Nothing is read from the
/// assertion before the element being read is known to be the element that was signed.
/// </summary>
public static class ResponseValidator
{
    /// <summary>Validates the form field SAMLResponse as posted. Never throws for anything the message contains.</summary>
    /// <exception cref="ArgumentException">The parameters themselves are unusable (a configuration error).</exception>
    public static SamlValidationResult Validate(string base64SamlResponse, ResponseValidationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckConfiguration(parameters);

        try
        {
            return new Validation(parameters).Run(base64SamlResponse);
        }
        catch (Exception e) when (e is XmlException or CryptographicException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            // A last line: the checks above are meant to leave nothing for the framework to throw, but a refusal
            // is always a safe answer to a message and an exception is not.
            return SamlValidationResult.Refused(new Refused(SamlRefusal.Malformed, "The response could not be processed."));
        }
    }

    private static void CheckConfiguration(ResponseValidationParameters parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parameters.ServiceProviderEntityId, nameof(parameters));
        ArgumentException.ThrowIfNullOrWhiteSpace(parameters.IdentityProviderEntityId, nameof(parameters));
        ArgumentNullException.ThrowIfNull(parameters.AssertionConsumerServiceUrl);
        ArgumentNullException.ThrowIfNull(parameters.TimeProvider);
        if (!parameters.AssertionConsumerServiceUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The assertion consumer service URL must be absolute.", nameof(parameters));
        }

        if (parameters.IdentityProviderCertificates is not { Count: > 0 } certificates || certificates.Any(c => c is null))
        {
            throw new ArgumentException("At least one identity provider certificate is needed to verify signatures.", nameof(parameters));
        }

        if (parameters.MaxBytes <= 0 || parameters.ClockSkew < TimeSpan.Zero)
        {
            throw new ArgumentException("MaxBytes must be positive and ClockSkew not negative.", nameof(parameters));
        }
    }

    private sealed class Validation(ResponseValidationParameters parameters)
    {
        private readonly DateTimeOffset _now = parameters.TimeProvider.GetUtcNow();

        public SamlValidationResult Run(string? base64)
        {
            var decoded = Decode(base64);
            if (decoded.Refused is { } undecodable)
            {
                return SamlValidationResult.Refused(undecodable);
            }

            var loaded = SecureXml.Load(decoded.Bytes!, parameters.MaxBytes);
            if (loaded.Document is not { DocumentElement: { } response })
            {
                var reason = loaded.Failure switch
                {
                    XmlLoadFailure.TooLarge => SamlRefusal.TooLarge,
                    XmlLoadFailure.DoctypeNotAllowed => SamlRefusal.DoctypeNotAllowed,
                    _ => SamlRefusal.Malformed,
                };
                return SamlValidationResult.Refused(new Refused(reason, loaded.Detail ?? "The response is not XML."));
            }

            if (CheckResponseShape(response) is { } notAResponse)
            {
                return SamlValidationResult.Refused(notAResponse);
            }

            if (CheckStatus(response, out var statusCodes) is { } notSuccess)
            {
                return SamlValidationResult.Refused(notSuccess) with { StatusCodes = statusCodes };
            }

            if ((CheckStructure(response) ?? CheckUniqueIds(response.OwnerDocument)) is { } badStructure)
            {
                return SamlValidationResult.Refused(badStructure);
            }

            // The Response signature covers an EncryptedAssertion as ciphertext, so it is verified before decrypting.
            var responseSignatures = XmlSignatureVerifier.SignaturesOf(response);
            if (responseSignatures.Count > 1)
            {
                return Refuse(SamlRefusal.Malformed, "The Response has more than one signature.");
            }

            var responseSigned = responseSignatures.Count == 1;
            if (responseSigned && Verify(response, responseSignatures[0]) is { } badResponseSignature)
            {
                return SamlValidationResult.Refused(badResponseSignature);
            }

            var (assertion, decryptionRefused) = AssertionOf(response);
            if (decryptionRefused is { } notDecrypted)
            {
                return SamlValidationResult.Refused(notDecrypted);
            }

            var assertionSignatures = XmlSignatureVerifier.SignaturesOf(assertion!);
            if (assertionSignatures.Count > 1)
            {
                return Refuse(SamlRefusal.Malformed, "The Assertion has more than one signature.");
            }

            if (assertionSignatures.Count == 1)
            {
                if (Verify(assertion!, assertionSignatures[0]) is { } badAssertionSignature)
                {
                    return SamlValidationResult.Refused(badAssertionSignature);
                }
            }
            else if (parameters.RequireSignedAssertion)
            {
                return Refuse(SamlRefusal.MissingSignature, "The Assertion is not signed, and a signed Assertion is required.");
            }
            else if (!responseSigned)
            {
                return Refuse(SamlRefusal.MissingSignature, "Neither the Response nor the Assertion is signed.");
            }

            // From here on, everything is read from `response` and `assertion`: the elements just verified.
            var checkedResponse = CheckDestination(response, responseSigned)
                ?? CheckIssuer(response, required: false)
                ?? CheckIssuer(assertion!, required: true)
                ?? CheckResponseInResponseTo(response);
            if (checkedResponse is { } wrongResponse)
            {
                return SamlValidationResult.Refused(wrongResponse);
            }

            return ReadAssertion(response, assertion!);
        }

        /// <summary>SAML bindings §3.5.4: the form field is the base64 of the XML. Size is bounded before anything is allocated for it.</summary>
        private (byte[]? Bytes, Refused? Refused) Decode(string? base64)
        {
            if (string.IsNullOrWhiteSpace(base64))
            {
                return (null, new Refused(SamlRefusal.Malformed, "No SAMLResponse was posted."));
            }

            // Base64 takes 4 characters per 3 bytes; twice that leaves room for any line breaks an encoder adds.
            if (base64.Length / 8 * 3 > parameters.MaxBytes)
            {
                return (null, new Refused(SamlRefusal.TooLarge, $"The response is larger than {parameters.MaxBytes} bytes."));
            }

            var buffer = new byte[(base64.Length / 4 * 3) + 3];
            return Convert.TryFromBase64String(base64, buffer, out var written)
                ? (buffer[..written], null)
                : (null, new Refused(SamlRefusal.Malformed, "SAMLResponse is not valid base64."));
        }

        /// <summary>SAML core §3.2.2: a samlp:Response of version 2.0 with an ID.</summary>
        private static Refused? CheckResponseShape(XmlElement response)
        {
            if (!response.Is(SamlNames.Protocol, "Response"))
            {
                return new Refused(SamlRefusal.Malformed, $"The root element is {Shown.Value(response.Name)}, not samlp:Response.");
            }

            if (response.AttributeOrNull("Version") != SamlNames.Version)
            {
                return new Refused(SamlRefusal.Malformed, "The Response is not SAML version 2.0.");
            }

            if (string.IsNullOrEmpty(response.AttributeOrNull("ID")) || !SamlTime.TryParse(response.AttributeOrNull("IssueInstant"), out _))
            {
                return new Refused(SamlRefusal.Malformed, "The Response has no ID or no valid IssueInstant.");
            }

            return null;
        }

        /// <summary>SAML core §3.2.2.2. Error responses are usually unsigned; reporting their code refuses nothing more.</summary>
        private static Refused? CheckStatus(XmlElement response, out IReadOnlyList<string> statusCodes)
        {
            statusCodes = [];
            var code = response.SingleChild(SamlNames.Protocol, "Status", out _)?.SingleChild(SamlNames.Protocol, "StatusCode", out _);
            var value = code?.AttributeOrNull("Value");
            if (value is null)
            {
                return new Refused(SamlRefusal.Malformed, "The Response has no Status with a StatusCode.");
            }

            if (value == SamlNames.StatusSuccess)
            {
                return null;
            }

            var codes = new List<string> { value };
            for (var nested = code!.SingleChild(SamlNames.Protocol, "StatusCode", out _); nested is not null && codes.Count < 4; nested = nested.SingleChild(SamlNames.Protocol, "StatusCode", out _))
            {
                codes.Add(nested.AttributeOrNull("Value") ?? string.Empty);
            }

            statusCodes = codes;
            return new Refused(SamlRefusal.NotSuccessStatus, $"The identity provider answered with status {string.Join(" / ", codes.Select(Shown.Value))}.");
        }

        /// <summary>
        /// Exactly one assertion (plain or encrypted) in the WHOLE document, and it a direct child of the Response; no
        /// Response inside the Response. Every known wrapping attack needs a second copy of the signed content
        /// somewhere (Extensions, ds:Object, Advice, a sibling, an outer Response), so one copy and one place leaves
        /// the attacker nowhere to put it.
        /// </summary>
        private static Refused? CheckStructure(XmlElement response)
        {
            var assertions = 0;
            foreach (var element in response.DescendantsAndSelf())
            {
                if (!ReferenceEquals(element, response) && element.Is(SamlNames.Protocol, "Response"))
                {
                    return new Refused(SamlRefusal.SignatureWrapping, "The Response contains another Response.");
                }

                if (element.Is(SamlNames.Assertion, "Assertion") || element.Is(SamlNames.Assertion, "EncryptedAssertion"))
                {
                    assertions++;
                }
            }

            var direct = response.Children(SamlNames.Assertion, "Assertion").Count + response.Children(SamlNames.Assertion, "EncryptedAssertion").Count;
            return (assertions, direct) switch
            {
                (0, _) => new Refused(SamlRefusal.Malformed, "The Response has no assertion."),
                ( > 1, _) => new Refused(SamlRefusal.SignatureWrapping, $"The Response holds {assertions} assertions; exactly one is accepted."),
                (1, 0) => new Refused(SamlRefusal.SignatureWrapping, "The assertion is not a direct child of the Response."),
                _ => null,
            };
        }

        private static Refused? CheckUniqueIds(XmlDocument document) =>
            XmlIds.FindDuplicate(document) is { } duplicate
                ? new Refused(SamlRefusal.DuplicateId, $"The ID {Shown.Value(duplicate)} is carried by more than one element.")
                : null;

        private Refused? Verify(XmlElement signed, XmlElement signature) =>
            XmlSignatureVerifier.Verify(signed, signature, parameters.IdentityProviderCertificates, parameters.AllowSha1);

        /// <summary>The one assertion, decrypted in place when it arrived encrypted (SAML core §2.3.4).</summary>
        private (XmlElement? Assertion, Refused? Refused) AssertionOf(XmlElement response)
        {
            var plain = response.Children(SamlNames.Assertion, "Assertion");
            if (plain.Count == 1)
            {
                return (plain[0], null);
            }

            var encrypted = response.Children(SamlNames.Assertion, "EncryptedAssertion")[0];
            if (parameters.DecryptionCertificate is null)
            {
                return (null, new Refused(SamlRefusal.EncryptedAssertionUnsupported, "The assertion is encrypted and no decryption certificate is configured."));
            }

            var (assertion, failure) = AssertionDecryptor.DecryptInPlace(encrypted, parameters.DecryptionCertificate, parameters.MaxBytes);
            if (assertion is null)
            {
                return (null, new Refused(SamlRefusal.DecryptionFailed, failure ?? "The assertion could not be decrypted."));
            }

            // What was ciphertext is now part of the tree: it must obey the same rules as a plain assertion.
            var afterDecryption = CheckStructure(response)
                ?? CheckUniqueIds(response.OwnerDocument)
                ?? (SecureXml.DepthOf(response) > SecureXml.MaxDepth + 2 ? new Refused(SamlRefusal.Malformed, "The decrypted assertion nests too deep.") : null);
            return afterDecryption is { } refused ? (null, refused) : (assertion, null);
        }

        /// <summary>SAML bindings §3.5.5.2: a signed Response MUST carry Destination; when present it must be this endpoint.</summary>
        private Refused? CheckDestination(XmlElement response, bool responseSigned)
        {
            var destination = response.AttributeOrNull("Destination");
            if (destination is null)
            {
                return responseSigned
                    ? new Refused(SamlRefusal.WrongDestination, "A signed Response must carry a Destination (SAML bindings §3.5.5.2).")
                    : null;
            }

            return SameEndpoint(destination, parameters.AssertionConsumerServiceUrl)
                ? null
                : new Refused(SamlRefusal.WrongDestination, $"The Response is addressed to {Shown.Value(destination)}, not to this service.");
        }

        /// <summary>SAML profiles §4.1.4.2: the Issuer is the identity provider, and its Format, if given, is the entity format.</summary>
        private Refused? CheckIssuer(XmlElement element, bool required)
        {
            var issuer = element.SingleChild(SamlNames.Assertion, "Issuer", out var several);
            if (several)
            {
                return new Refused(SamlRefusal.Malformed, $"The {element.LocalName} has more than one Issuer.");
            }

            if (issuer is null)
            {
                return required ? new Refused(SamlRefusal.WrongIssuer, $"The {element.LocalName} has no Issuer.") : null;
            }

            if (!issuer.TryReadSimpleText(out var value))
            {
                return new Refused(SamlRefusal.Malformed, $"The {element.LocalName}'s Issuer must hold plain text only.");
            }

            var format = issuer.AttributeOrNull("Format");
            if (format is not null && format != SamlNames.EntityNameIdFormat)
            {
                return new Refused(SamlRefusal.WrongIssuer, $"The {element.LocalName}'s Issuer has format {Shown.Value(format)}, not the entity format.");
            }

            return string.Equals(value.Trim(), parameters.IdentityProviderEntityId, StringComparison.Ordinal)
                ? null
                : new Refused(SamlRefusal.WrongIssuer, $"The {element.LocalName} was issued by {Shown.Value(value)}, not by the configured identity provider.");
        }

        /// <summary>
        /// SAML profiles §4.1.4.2/§4.1.4.3: a Response to our AuthnRequest names it in InResponseTo; one we did not
        /// ask for (identity-provider-initiated) names nothing and is accepted only when allowed.
        /// </summary>
        private Refused? CheckResponseInResponseTo(XmlElement response) =>
            CheckInResponseTo(response.AttributeOrNull("InResponseTo"), "Response") ??
            (parameters.ExpectedInResponseTo is null && !parameters.AllowUnsolicited
                ? new Refused(SamlRefusal.UnsolicitedNotAllowed, "The Response answers no request of this browser, and unsolicited responses are not allowed.")
                : null);

        private Refused? CheckInResponseTo(string? inResponseTo, string where)
        {
            var expected = parameters.ExpectedInResponseTo;
            if (expected is null)
            {
                return inResponseTo is null
                    ? null
                    : new Refused(SamlRefusal.UnknownInResponseTo, $"The {where} answers a request this browser has not outstanding.");
            }

            return inResponseTo is not null && IdsEqual(expected, inResponseTo)
                ? null
                : new Refused(SamlRefusal.UnknownInResponseTo, $"The {where} does not answer the request this browser has outstanding.");
        }

        /// <summary>Constant time, so that timing tells nothing about how much of an outstanding request id was guessed.</summary>
        private static bool IdsEqual(string expected, string actual) =>
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

        private static bool SameEndpoint(string value, Uri expected) =>
            Uri.TryCreate(value.Trim(), UriKind.Absolute, out var actual)
            && Uri.Compare(actual, expected, UriComponents.HttpRequestUrl, UriFormat.UriEscaped, StringComparison.Ordinal) == 0;

        private SamlValidationResult ReadAssertion(XmlElement response, XmlElement assertion)
        {
            if (assertion.AttributeOrNull("Version") != SamlNames.Version
                || assertion.AttributeOrNull("ID") is not { Length: > 0 } assertionId
                || !SamlTime.TryParse(assertion.AttributeOrNull("IssueInstant"), out _))
            {
                return Refuse(SamlRefusal.Malformed, "The Assertion is not SAML 2.0, or has no ID or no valid IssueInstant.");
            }

            var conditions = CheckConditions(assertion, out var notOnOrAfter);
            if (conditions is { } badConditions)
            {
                return SamlValidationResult.Refused(badConditions);
            }

            var subject = assertion.SingleChild(SamlNames.Assertion, "Subject", out var severalSubjects);
            if (subject is null)
            {
                return severalSubjects
                    ? Refuse(SamlRefusal.Malformed, "The Assertion has more than one Subject.")
                    : Refuse(SamlRefusal.MissingNameId, "The Assertion has no Subject.");
            }

            var (nameId, nameIdFormat, badNameId) = ReadNameId(subject);
            if (badNameId is { } noNameId)
            {
                return SamlValidationResult.Refused(noNameId);
            }

            var (confirmedUntil, badConfirmation) = CheckBearerConfirmation(subject);
            if (badConfirmation is { } unconfirmed)
            {
                return SamlValidationResult.Refused(unconfirmed);
            }

            var (sessionIndex, authnInstant, badAuthn) = ReadAuthnStatement(assertion);
            if (badAuthn is { } noAuthn)
            {
                return SamlValidationResult.Refused(noAuthn);
            }

            var attributes = ReadAttributes(assertion);
            if (attributes is null)
            {
                return Refuse(SamlRefusal.Malformed, "An Attribute has no Name.");
            }

            return SamlValidationResult.Accepted(new SamlAssertion(
                assertionId,
                parameters.IdentityProviderEntityId,
                nameId!,
                nameIdFormat,
                sessionIndex,
                attributes,
                notOnOrAfter,
                confirmedUntil,
                response.AttributeOrNull("InResponseTo"),
                authnInstant));
        }

        /// <summary>
        /// SAML core §2.5.1. Conditions are required here because the AudienceRestriction is: an assertion for
        /// nobody in particular could have been issued to another service provider and replayed to us. Several
        /// AudienceRestrictions must each name us (§2.5.1.4); a condition we do not understand makes the assertion
        /// Indeterminate (§2.5.1), which is not valid.
        /// </summary>
        private Refused? CheckConditions(XmlElement assertion, out DateTimeOffset? notOnOrAfter)
        {
            notOnOrAfter = null;
            var conditions = assertion.SingleChild(SamlNames.Assertion, "Conditions", out var several);
            if (several)
            {
                return new Refused(SamlRefusal.Malformed, "The Assertion has more than one Conditions.");
            }

            if (conditions is null)
            {
                return new Refused(SamlRefusal.WrongAudience, "The Assertion has no Conditions, so no AudienceRestriction.");
            }

            if (CheckWindow(conditions, "Conditions", out notOnOrAfter) is { } outside)
            {
                return outside;
            }

            var restrictions = 0;
            for (var child = conditions.FirstChild; child is not null; child = child.NextSibling)
            {
                if (child is not XmlElement condition)
                {
                    continue;
                }

                if (condition.Is(SamlNames.Assertion, "AudienceRestriction"))
                {
                    restrictions++;
                    if (!NamesThisServiceProvider(condition))
                    {
                        return new Refused(SamlRefusal.WrongAudience, "The Assertion is restricted to other audiences than this service provider.");
                    }
                }
                else if (!condition.Is(SamlNames.Assertion, "OneTimeUse") && !condition.Is(SamlNames.Assertion, "ProxyRestriction"))
                {
                    return new Refused(SamlRefusal.Malformed, $"The Assertion has a condition this service provider does not understand: {Shown.Value(condition.Name)}.");
                }
            }

            return restrictions == 0
                ? new Refused(SamlRefusal.WrongAudience, "The Assertion has no AudienceRestriction.")
                : null;
        }

        private bool NamesThisServiceProvider(XmlElement restriction) =>
            restriction.Children(SamlNames.Assertion, "Audience").Any(audience =>
                audience.TryReadSimpleText(out var value)
                && string.Equals(value.Trim(), parameters.ServiceProviderEntityId, StringComparison.Ordinal));

        private Refused? CheckWindow(XmlElement element, string what, out DateTimeOffset? notOnOrAfter)
        {
            notOnOrAfter = null;
            var notBeforeText = element.AttributeOrNull("NotBefore");
            var notOnOrAfterText = element.AttributeOrNull("NotOnOrAfter");
            DateTimeOffset notBefore = default, until = default;
            if ((notBeforeText is not null && !SamlTime.TryParse(notBeforeText, out notBefore))
                || (notOnOrAfterText is not null && !SamlTime.TryParse(notOnOrAfterText, out until)))
            {
                return new Refused(SamlRefusal.Malformed, $"The {what} have a time that is not a UTC xs:dateTime.");
            }

            if (notBeforeText is not null && _now + parameters.ClockSkew < notBefore)
            {
                return new Refused(SamlRefusal.NotYetValid, $"The {what} are valid only from {SamlTime.Format(notBefore)}.");
            }

            if (notOnOrAfterText is not null)
            {
                if (_now - parameters.ClockSkew >= until)
                {
                    return new Refused(SamlRefusal.Expired, $"The {what} expired at {SamlTime.Format(until)}.");
                }

                notOnOrAfter = until;
            }

            return null;
        }

        /// <summary>
        /// One NameID of plain text. EncryptedID and BaseID are not supported. The text is read only as a single text
        /// node (see <see cref="XmlElements.TryReadSimpleText"/>): a NameID split by a comment is refused outright.
        /// </summary>
        private static (string? NameId, string? Format, Refused? Refused) ReadNameId(XmlElement subject)
        {
            var nameId = subject.SingleChild(SamlNames.Assertion, "NameID", out var several);
            if (several)
            {
                return (null, null, new Refused(SamlRefusal.Malformed, "The Subject has more than one NameID."));
            }

            if (nameId is null)
            {
                var other = subject.Children(SamlNames.Assertion, "EncryptedID").Count > 0 ? " (EncryptedID is not supported)" : string.Empty;
                return (null, null, new Refused(SamlRefusal.MissingNameId, "The Subject has no NameID" + other + "."));
            }

            if (!nameId.HasChildNodes)
            {
                return (null, null, new Refused(SamlRefusal.MissingNameId, "The NameID is empty."));
            }

            if (!nameId.TryReadSimpleText(out var value))
            {
                return (null, null, new Refused(SamlRefusal.Malformed, "The NameID must hold plain text only (no comments or elements)."));
            }

            return string.IsNullOrWhiteSpace(value)
                ? (null, null, new Refused(SamlRefusal.MissingNameId, "The NameID is empty."))
                : (value, nameId.AttributeOrNull("Format"), null);
        }

        /// <summary>
        /// SAML profiles §4.1.4.2/§4.1.4.3: at least one bearer SubjectConfirmation whose SubjectConfirmationData names
        /// this endpoint as Recipient, limits delivery with NotOnOrAfter, is not for later (NotBefore), and answers
        /// the outstanding request. When none qualifies, the first bearer confirmation's failure is reported.
        /// </summary>
        private (DateTimeOffset Until, Refused? Refused) CheckBearerConfirmation(XmlElement subject)
        {
            Refused? first = null;
            foreach (var confirmation in subject.Children(SamlNames.Assertion, "SubjectConfirmation"))
            {
                if (confirmation.AttributeOrNull("Method") != SamlNames.BearerConfirmation)
                {
                    continue;
                }

                var (until, refused) = CheckBearer(confirmation);
                if (refused is null)
                {
                    return (until, null);
                }

                first ??= refused;
            }

            return (default, first ?? new Refused(SamlRefusal.NoBearerConfirmation, "The Subject has no bearer SubjectConfirmation."));
        }

        private (DateTimeOffset Until, Refused? Refused) CheckBearer(XmlElement confirmation)
        {
            var data = confirmation.SingleChild(SamlNames.Assertion, "SubjectConfirmationData", out _);
            if (data is null)
            {
                return (default, new Refused(SamlRefusal.NoBearerConfirmation, "The bearer SubjectConfirmation has no single SubjectConfirmationData."));
            }

            var recipient = data.AttributeOrNull("Recipient");
            if (recipient is null || !SameEndpoint(recipient, parameters.AssertionConsumerServiceUrl))
            {
                return (default, new Refused(SamlRefusal.WrongRecipient, $"The bearer confirmation's Recipient is {Shown.Value(recipient)}, not this service."));
            }

            if (data.AttributeOrNull("NotOnOrAfter") is null)
            {
                return (default, new Refused(SamlRefusal.NoBearerConfirmation, "The bearer confirmation has no NotOnOrAfter to limit its delivery."));
            }

            if (CheckWindow(data, "bearer confirmation's SubjectConfirmationData", out var until) is { } outside)
            {
                // A confirmation that is not yet usable is no confirmation at all (the profile gives it no NotBefore).
                return (default, outside.Reason == SamlRefusal.NotYetValid ? outside with { Reason = SamlRefusal.NoBearerConfirmation } : outside);
            }

            return CheckInResponseTo(data.AttributeOrNull("InResponseTo"), "bearer confirmation") is { } unknown
                ? (default, unknown)
                : (until!.Value, null);
        }

        /// <summary>SAML profiles §4.1.4.2: the bearer assertion carries an AuthnStatement; its SessionNotOnOrAfter ends the session.</summary>
        private (string? SessionIndex, DateTimeOffset? AuthnInstant, Refused? Refused) ReadAuthnStatement(XmlElement assertion)
        {
            var statements = assertion.Children(SamlNames.Assertion, "AuthnStatement");
            if (statements.Count == 0)
            {
                return (null, null, new Refused(SamlRefusal.Malformed, "The Assertion has no AuthnStatement."));
            }

            var statement = statements[0];
            if (!SamlTime.TryParse(statement.AttributeOrNull("AuthnInstant"), out var authnInstant))
            {
                return (null, null, new Refused(SamlRefusal.Malformed, "The AuthnStatement has no valid AuthnInstant."));
            }

            var sessionEnd = statement.AttributeOrNull("SessionNotOnOrAfter");
            if (sessionEnd is not null)
            {
                if (!SamlTime.TryParse(sessionEnd, out var end))
                {
                    return (null, null, new Refused(SamlRefusal.Malformed, "The AuthnStatement's SessionNotOnOrAfter is not a UTC xs:dateTime."));
                }

                if (_now - parameters.ClockSkew >= end)
                {
                    return (null, null, new Refused(SamlRefusal.Expired, $"The identity provider's session ended at {SamlTime.Format(end)}."));
                }
            }

            return (statement.AttributeOrNull("SessionIndex"), authnInstant, null);
        }

        /// <summary>saml:AttributeStatement / Attribute / AttributeValue, values as their joined character data.</summary>
        private static Dictionary<string, IReadOnlyList<string>>? ReadAttributes(XmlElement assertion)
        {
            var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var statement in assertion.Children(SamlNames.Assertion, "AttributeStatement"))
            {
                foreach (var attribute in statement.Children(SamlNames.Assertion, "Attribute"))
                {
                    if (attribute.AttributeOrNull("Name") is not { Length: > 0 } name)
                    {
                        return null;
                    }

                    if (!values.TryGetValue(name, out var list))
                    {
                        values[name] = list = [];
                    }

                    list.AddRange(attribute.Children(SamlNames.Assertion, "AttributeValue").Select(v => v.DescendantText()));
                }
            }

            return values.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.AsReadOnly(), StringComparer.Ordinal);
        }

        private static SamlValidationResult Refuse(SamlRefusal reason, string detail) =>
            SamlValidationResult.Refused(new Refused(reason, detail));
    }
}
