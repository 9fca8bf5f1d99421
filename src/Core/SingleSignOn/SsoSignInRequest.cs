namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// A sign-in we sent to an organization's identity provider and have not seen come back: the
/// SAML request id (the response's InResponseTo must name it) and where the person goes
/// afterwards. Kept here, never trusted from the browser: the RelayState the browser carries is
/// only the key of this row, and the row is bound to the browser that started it (the hash of a
/// random value in a cookie). Claimed by deleting it before the response is believed, so one
/// request signs in at most once, on any instance.
/// </summary>
public sealed class SsoSignInRequest
{
    /// <summary>Random key: the RelayState (SAML) or a property of the protected state (OpenID Connect).</summary>
    public string Id { get; set; } = "";

    /// <summary>The SAML AuthnRequest's ID, which the response's InResponseTo must name.</summary>
    public string? ProtocolRequestId { get; set; }

    public Guid OrganizationId { get; set; }

    /// <summary>The connection's version when the request was made; a changed configuration refuses the answer.</summary>
    public long ConnectionVersion { get; set; }

    /// <summary>SHA-256 of the browser's binding cookie value.</summary>
    public byte[] BrowserBindingHash { get; set; } = [];

    /// <summary>A local path to continue at (usually the pending <c>/connect/authorize</c> request).</summary>
    public string? ReturnUrl { get; set; }

    /// <summary>A connection test by an Owner: show what came back, sign nobody in.</summary>
    public bool IsTest { get; set; }

    /// <summary>For a test: the IdP session of the Owner who runs it; only that session sees the result.</summary>
    public Guid? TestedBySessionId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// An assertion id already used to sign in, kept until the assertion would have expired anyway:
/// the replay cache, in the database so it holds across instances. A replay fails on the
/// primary key when it is inserted.
/// </summary>
public sealed class SamlAssertionUse
{
    /// <summary>SHA-256 (hex) of issuer and assertion id: fixed length whatever the identity provider sends.</summary>
    public string Key { get; set; } = "";

    public Guid OrganizationId { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// The result of a connection test, read once by the Owner's session that ran it: what the
/// identity provider sent, or the precise reason it was refused.
/// </summary>
public sealed class SsoTestResult
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid TestedBySessionId { get; set; }

    public bool Succeeded { get; set; }

    /// <summary>The refusal's reason code (e.g. <c>wrong_audience</c>), when refused.</summary>
    public string? ReasonCode { get; set; }

    /// <summary>JSON: subject/NameID, its format, attributes or claims, and details of a refusal.</summary>
    public string Details { get; set; } = "{}";

    public DateTimeOffset CreatedAt { get; set; }
}
