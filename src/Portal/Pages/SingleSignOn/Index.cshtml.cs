using KeyPortal.Core;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Hosting;
using KeyPortal.Hosting.Authorization;
using KeyPortal.Portal.Organizations;
using KeyPortal.Portal.SingleSignOn;
using KeyPortal.Saml2;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KeyPortal.Portal.Pages.SingleSignOn;

/// <summary>
/// Your organization > Single sign-on: the addresses the customer's identity-provider administrator
/// copies, the SAML or OpenID Connect connection, the switch, the connection test and the email
/// domains. Owners only (ConfigureSso), and only in a session made with their own passkey (SPEC
/// Single sign-on): anything else sees how to sign in again, and every change is refused.
/// </summary>
[RequirePermission(Permission.ConfigureSso)]
[RequestFormLimits(MultipartBodyLengthLimit = 2 * SamlMetadataDownload.MaxBytes)]
public sealed class IndexModel(
    CurrentMember organization, PortalDbContext db, SsoService sso, SamlMetadataDownload download,
    IOptions<PublicUrlOptions> urls, TimeProvider clock) : OrganizationPageModel(organization)
{
    public const string MetadataUnreachable = "We could not read the metadata from that address. Check that it is right and reachable, or paste the metadata instead.";

    public const string RecordNotFound = "The TXT record was not found yet. DNS changes can take a while to show; try again later.";

    /// <summary>What the last change did (after its redirect).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    /// <summary>The domain the last change was about, for its message.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Subject { get; set; }

    /// <summary>Which protocol form to show: <c>saml</c> or <c>oidc</c> (default: the stored one, else SAML).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Protocol { get; set; }

    [BindProperty]
    public SamlInput Saml { get; set; } = new();

    [BindProperty]
    public OidcInput Oidc { get; set; } = new();

    [BindProperty]
    public string? Domain { get; set; }

    [BindProperty]
    public Guid DomainId { get; set; }

    /// <summary>The confirmation of turning single sign-on off.</summary>
    [BindProperty]
    public bool ConfirmOff { get; set; }

    /// <summary>Set when the session was not made with the Owner's own passkey: the page shows only how to sign in again.</summary>
    public bool NeedsPasskey { get; private set; }

    public string? Error { get; private set; }

    public SsoConnection? Connection { get; private set; }

    public IReadOnlyList<SsoDomain> Domains { get; private set; } = [];

    public bool Enabled { get; private set; }

    /// <summary>The form shown: what was asked for, else the stored protocol.</summary>
    public bool ShowsOidc => Protocol switch
    {
        "oidc" => true,
        "saml" => false,
        _ => Connection?.Protocol == SsoProtocol.OpenIdConnect,
    };

    public Uri IdP => urls.Value.IdP;

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>A SAML connection: metadata pasted, uploaded or read from an address, or its details entered by hand.</summary>
    public sealed class SamlInput
    {
        /// <summary><c>paste</c>, <c>file</c>, <c>url</c> or <c>manual</c>.</summary>
        public string Source { get; set; } = "paste";

        public string? MetadataXml { get; set; }

        public IFormFile? MetadataFile { get; set; }

        public string? MetadataUrl { get; set; }

        public string? EntityId { get; set; }

        public string? SingleSignOnUrl { get; set; }

        public string? CertificatePem { get; set; }

        public bool RequireSignedAssertions { get; set; } = true;

        public bool AllowSha1 { get; set; }

        public bool AllowIdpInitiated { get; set; }

        public bool SignRequests { get; set; } = true;

        public int ClockSkewSeconds { get; set; } = SsoConnection.DefaultClockSkewSeconds;
    }

    public sealed class OidcInput
    {
        public string? Issuer { get; set; }

        public string? ClientId { get; set; }

        /// <summary>Never shown back; empty keeps the one stored.</summary>
        public string? ClientSecret { get; set; }
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!await IsPasskeySessionAsync(cancellationToken))
        {
            NeedsPasskey = true;
            return Page();
        }

        await LoadAsync(cancellationToken);
        FillFormsFromConnection();
        return Page();
    }

    public Task<IActionResult> OnPostSamlAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async actor =>
        {
            var settings = await SamlSettingsAsync(cancellationToken);
            await sso.SaveSamlAsync(actor, Current.Id, settings, cancellationToken);
            return "saml-saved";
        }, cancellationToken);

    public Task<IActionResult> OnPostOidcAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async actor =>
        {
            if (!Uri.TryCreate(Oidc.Issuer?.Trim(), UriKind.Absolute, out var issuer))
            {
                throw new DomainException(DomainErrors.SsoAddressInvalid);
            }

            await sso.SaveOidcAsync(actor, Current.Id, new OidcConnectionSettings(issuer, Oidc.ClientId ?? "", string.IsNullOrEmpty(Oidc.ClientSecret) ? null : Oidc.ClientSecret), cancellationToken);
            return "oidc-saved";
        }, cancellationToken);

    public Task<IActionResult> OnPostEnableAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async actor =>
        {
            await sso.SetEnabledAsync(actor, Current.Id, enabled: true, cancellationToken);
            return "enabled";
        }, cancellationToken);

    public Task<IActionResult> OnPostDisableAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async actor =>
        {
            if (!ConfirmOff)
            {
                // Turning it off signs out everyone who came through the identity provider: asked first.
                throw new PageError("Tick the box to confirm that you want to turn off single sign-on.");
            }

            await sso.SetEnabledAsync(actor, Current.Id, enabled: false, cancellationToken);
            return "disabled";
        }, cancellationToken);

    public Task<IActionResult> OnPostClaimDomainAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async actor =>
        {
            var claim = await sso.ClaimDomainAsync(actor, Current.Id, Domain ?? "", cancellationToken);
            Subject = claim.Domain;
            return "domain-claimed";
        }, cancellationToken);

    public Task<IActionResult> OnPostVerifyDomainAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async actor =>
        {
            var verified = await sso.VerifyDomainByDnsAsync(actor, Current.Id, DomainId, cancellationToken)
                ?? throw new PageError(RecordNotFound, StatusCodes.Status200OK);
            Subject = verified.Domain;
            return "domain-verified";
        }, cancellationToken);

    public Task<IActionResult> OnPostRemoveDomainAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async actor =>
        {
            await sso.RemoveDomainAsync(actor, Current.Id, DomainId, cancellationToken);
            return "domain-removed";
        }, cancellationToken);

    /// <summary>
    /// The checks every change shares, then the change, then Post/Redirect/Get. The permission was
    /// checked before the handler ran; the session is checked here, so a session made through single
    /// sign-on (or with a password) changes nothing. A refused change shows its reason on the page.
    /// </summary>
    private async Task<IActionResult> ChangeAsync(Func<AuditActor, Task<string>> change, CancellationToken cancellationToken)
    {
        if (!await IsPasskeySessionAsync(cancellationToken))
        {
            NeedsPasskey = true;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        string done;
        try
        {
            done = await change(await HttpContext.SignedInActorAsync(db));
        }
        catch (DomainException error)
        {
            return await ShowErrorAsync(error.Error.Message, DomainExceptionHandler.StatusCodeOf(error.Error), cancellationToken);
        }
        catch (PageError error)
        {
            return await ShowErrorAsync(error.Message, error.StatusCode, cancellationToken);
        }

        var query = new Dictionary<string, string?> { ["done"] = done, ["protocol"] = Protocol, ["subject"] = Subject };
        return Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/organization/sso",
            query.Where(p => !string.IsNullOrEmpty(p.Value))));
    }

    private async Task<IActionResult> ShowErrorAsync(string message, int statusCode, CancellationToken cancellationToken)
    {
        // Nothing changed; the forms keep what was entered (never the secret), with the reason.
        Error = message;
        Done = null;
        Oidc.ClientSecret = null;
        Response.StatusCode = statusCode;
        db.ChangeTracker.Clear();
        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>The session this request belongs to (the <c>sid</c> the IdP issued), made with a passkey and not by any identity provider.</summary>
    private async Task<bool> IsPasskeySessionAsync(CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(User.FindFirst(KeyPortalClaims.SessionId)?.Value, out var sessionId))
        {
            return false;
        }

        var session = await db.UserSessions.AsNoTracking().Where(s => s.Id == sessionId)
            .Select(s => new { s.AuthenticationMethods, s.FederatedOrganizationId })
            .SingleOrDefaultAsync(cancellationToken);
        return session is not null && SsoManagement.IsPasskeySession(session.AuthenticationMethods, session.FederatedOrganizationId);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Connection = await sso.FindConnectionAsync(Current.Id, cancellationToken);
        Domains = await sso.DomainsAsync(Current.Id, cancellationToken);
        Enabled = await db.Organizations.Where(o => o.Id == Current.Id).Select(o => o.Sso.Enabled).SingleAsync(cancellationToken);
    }

    private void FillFormsFromConnection()
    {
        if (Connection is not { } connection)
        {
            return;
        }

        Oidc.Issuer = connection.OidcIssuer;
        Oidc.ClientId = connection.OidcClientId;
        if (connection.Protocol == SsoProtocol.Saml)
        {
            Saml.RequireSignedAssertions = connection.SamlRequireSignedAssertions;
            Saml.AllowSha1 = connection.SamlAllowSha1;
            Saml.AllowIdpInitiated = connection.SamlAllowIdpInitiated;
            Saml.SignRequests = connection.SamlSignRequests;
            Saml.ClockSkewSeconds = connection.ClockSkewSeconds;
            Saml.MetadataUrl = connection.SamlMetadataUrl;
            Saml.EntityId = connection.SamlIdentityProviderEntityId;
            Saml.SingleSignOnUrl = connection.SamlSingleSignOnUrl;
        }
    }

    /// <summary>The SAML settings from the source chosen; metadata is read by the SAML library, which refuses what cannot be used safely.</summary>
    private async Task<SamlConnectionSettings> SamlSettingsAsync(CancellationToken cancellationToken)
    {
        if (Saml.Source == "manual")
        {
            if (!Uri.TryCreate(Saml.SingleSignOnUrl?.Trim(), UriKind.Absolute, out var ssoUrl))
            {
                throw new DomainException(DomainErrors.SsoAddressInvalid);
            }

            return Settings(Saml.EntityId ?? "", ssoUrl, CertificatesPem(Saml.CertificatePem), metadataUrl: null, validUntil: null);
        }

        string? metadataUrl = null;
        var xml = Saml.Source switch
        {
            "file" => await UploadedAsync(Saml.MetadataFile, cancellationToken),
            "url" => await download.ReadAsync(metadataUrl = Saml.MetadataUrl?.Trim() ?? "", cancellationToken) ?? throw new PageError(MetadataUnreachable),
            _ => Saml.MetadataXml,
        };
        if (string.IsNullOrWhiteSpace(xml))
        {
            throw new PageError("Paste the identity provider's metadata, choose its file, or enter the address it is published at.");
        }

        IdentityProviderMetadata metadata;
        try
        {
            metadata = IdentityProviderMetadataReader.Read(xml, new MetadataReadOptions { TimeProvider = clock, MaxBytes = SamlMetadataDownload.MaxBytes });
        }
        catch (SamlMetadataException error)
        {
            // The library's messages are written for the administrator who supplied the metadata,
            // and quote it; a document fetched from an address could be any page the server can
            // reach, so none of it is shown back.
            throw new PageError(metadataUrl is null ? $"{DomainErrors.SsoMetadataInvalid.Message} {error.Message}" : MetadataUnreachable);
        }

        var pem = string.Concat(metadata.SigningCertificates.Select(c => c.ExportCertificatePem() + "\n"));
        foreach (var certificate in metadata.SigningCertificates)
        {
            certificate.Dispose();
        }

        return Settings(metadata.EntityId, metadata.SingleSignOnServiceUrl, pem, metadataUrl, metadata.ValidUntil);
    }

    private SamlConnectionSettings Settings(string entityId, Uri ssoUrl, string pem, string? metadataUrl, DateTimeOffset? validUntil) =>
        new(entityId, ssoUrl, pem, metadataUrl, validUntil,
            RequireSignedAssertions: Saml.RequireSignedAssertions,
            AllowSha1: Saml.AllowSha1,
            AllowIdpInitiated: Saml.AllowIdpInitiated,
            SignRequests: Saml.SignRequests,
            ClockSkewSeconds: Saml.ClockSkewSeconds);

    /// <summary>Certificates entered by hand, checked and written back as PEM; refused when none can be read.</summary>
    private static string CertificatesPem(string? text)
    {
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text ?? "");
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new PageError("The signing certificate could not be read. Paste it in PEM form (-----BEGIN CERTIFICATE----- …).");
        }

        if (certificates.Count == 0)
        {
            throw new PageError("Paste the identity provider's signing certificate in PEM form (-----BEGIN CERTIFICATE----- …).");
        }

        var pem = string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }

        return pem;
    }

    private static async Task<string?> UploadedAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0)
        {
            return null;
        }

        if (file.Length > SamlMetadataDownload.MaxBytes)
        {
            throw new PageError("The metadata file is larger than 1 MiB.");
        }

        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        try
        {
            return SamlMetadataDownload.Text(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new PageError("The metadata file is not UTF-8 text.");
        }
    }

    /// <summary>A refusal of this page itself (not a domain rule): shown on the page, nothing changed.</summary>
    private sealed class PageError(string message, int statusCode = StatusCodes.Status400BadRequest) : Exception(message)
    {
        public int StatusCode { get; } = statusCode;
    }
}
