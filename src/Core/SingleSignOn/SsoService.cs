using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// Changes an organization's single sign-on: its identity provider, the switch, its email
/// domains. Callers have checked <see cref="Authorization.Permission.ConfigureSso"/> (Owners,
/// in a session made with their own passkey). Each change is audited in its transaction, and
/// any change to a connection in use ends the sessions its identity provider made, at once.
/// </summary>
public sealed partial class SsoService(
    PortalDbContext db, AuditTrail audit, TimeProvider clock, SsoSecrets secrets, IOptions<SsoOptions> options, IDomainRecordLookup dns)
{
    public Task<SsoConnection?> FindConnectionAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        db.Set<SsoConnection>().SingleOrDefaultAsync(c => c.OrganizationId == organizationId, cancellationToken);

    public Task<List<SsoDomain>> DomainsAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        db.Set<SsoDomain>().Where(d => d.OrganizationId == organizationId).OrderBy(d => d.Domain).ToListAsync(cancellationToken);

    public Task<SsoConnection> SaveSamlAsync(AuditActor actor, Guid organizationId, SamlConnectionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var entityId = settings.IdentityProviderEntityId?.Trim() ?? "";
        if (entityId.Length is 0 or > SsoConnection.MaxUrlLength || entityId.Any(char.IsControl))
        {
            throw new DomainException(DomainErrors.SsoEntityIdInvalid);
        }

        RequireAddress(settings.SingleSignOnUrl);
        if (settings.MetadataUrl is { Length: > 0 } metadataUrl)
        {
            RequireAddress(Uri.TryCreate(metadataUrl, UriKind.Absolute, out var parsed) ? parsed : null);
        }

        if (string.IsNullOrWhiteSpace(settings.SigningCertificatesPem) || settings.ClockSkewSeconds is < 0 or > 600)
        {
            throw new DomainException(DomainErrors.SsoSettingsInvalid);
        }

        return ChangeAsync(actor, organizationId, SsoProtocol.Saml, (connection, organization) =>
        {
            connection.SamlIdentityProviderEntityId = entityId;
            connection.SamlSingleSignOnUrl = settings.SingleSignOnUrl.AbsoluteUri;
            connection.SamlSigningCertificatesPem = settings.SigningCertificatesPem.Trim();
            connection.SamlMetadataUrl = string.IsNullOrWhiteSpace(settings.MetadataUrl) ? null : settings.MetadataUrl.Trim();
            connection.SamlMetadataValidUntil = settings.MetadataValidUntil;
            connection.SamlRequireSignedAssertions = settings.RequireSignedAssertions;
            connection.SamlAllowSha1 = settings.AllowSha1;
            connection.SamlAllowIdpInitiated = settings.AllowIdpInitiated;
            connection.SamlSignRequests = settings.SignRequests;
            connection.ClockSkewSeconds = settings.ClockSkewSeconds;
            connection.SamlServiceProviderKeyProtected ??= secrets.CreateServiceProviderKey(organization.Slug, clock.GetUtcNow());
            return new
            {
                protocol = "saml",
                entityId,
                singleSignOnUrl = connection.SamlSingleSignOnUrl,
                metadataUrl = connection.SamlMetadataUrl,
                settings.RequireSignedAssertions,
                settings.AllowSha1,
                settings.AllowIdpInitiated,
                settings.SignRequests,
                settings.ClockSkewSeconds,
            };
        }, cancellationToken);
    }

    public Task<SsoConnection> SaveOidcAsync(AuditActor actor, Guid organizationId, OidcConnectionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        RequireAddress(settings.Issuer);
        var clientId = settings.ClientId?.Trim() ?? "";
        if (clientId.Length is 0 or > 200 || clientId.Any(char.IsControl) || settings.ClientSecret is { Length: > 500 })
        {
            throw new DomainException(DomainErrors.SsoSettingsInvalid);
        }

        return ChangeAsync(actor, organizationId, SsoProtocol.OpenIdConnect, (connection, _) =>
        {
            // The stored secret goes only to the provider it was given for: a new issuer or client
            // id needs the secret again (else an Owner could send another Owner's secret anywhere).
            if (connection.Protocol != SsoProtocol.OpenIdConnect
                || !string.Equals(connection.OidcIssuer, settings.Issuer.AbsoluteUri, StringComparison.Ordinal)
                || !string.Equals(connection.OidcClientId, clientId, StringComparison.Ordinal))
            {
                connection.OidcClientSecretProtected = null;
            }

            connection.OidcIssuer = settings.Issuer.AbsoluteUri;
            connection.OidcClientId = clientId;
            if (!string.IsNullOrEmpty(settings.ClientSecret))
            {
                connection.OidcClientSecretProtected = secrets.Protect(settings.ClientSecret);
            }

            if (connection.OidcClientSecretProtected is null)
            {
                throw new DomainException(DomainErrors.SsoClientSecretRequired);
            }

            // The secret itself is never written to the audit trail.
            return new { protocol = "oidc", issuer = connection.OidcIssuer, clientId, secretChanged = !string.IsNullOrEmpty(settings.ClientSecret) };
        }, cancellationToken);
    }

    /// <summary>Turns single sign-on on (the connection must be complete) or off; off ends its federated sessions.</summary>
    public Task SetEnabledAsync(AuditActor actor, Guid organizationId, bool enabled, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == organizationId, ct)
                ?? throw new DomainException(DomainErrors.OrganizationNotFound);
            var connection = await FindConnectionAsync(organizationId, ct);
            if (enabled && connection is not { IsComplete: true })
            {
                throw new DomainException(DomainErrors.SsoNotConfigured);
            }

            if (organization.Sso.Enabled == enabled)
            {
                return 0;
            }

            organization.Sso.Enabled = enabled;
            var ended = enabled ? 0 : await EndFederatedSessionsAsync(organizationId, "single sign-on turned off", ct);
            audit.Record(actor, enabled ? AuditActions.SsoEnabled : AuditActions.SsoDisabled, organizationId, null,
                new { protocol = connection?.Protocol.ToString(), endedSessions = ended });
            return ended;
        }, cancellationToken);

    /// <summary>Claims an email domain for routing; it routes once verified.</summary>
    public Task<SsoDomain> ClaimDomainAsync(AuditActor actor, Guid organizationId, string domain, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeDomain(domain) ?? throw new DomainException(DomainErrors.SsoDomainInvalid);
        return db.InTransactionAsync(async ct =>
        {
            if (await db.Set<SsoDomain>().AnyAsync(d => d.Domain == normalized && (d.OrganizationId == organizationId || d.VerifiedAt != null), ct))
            {
                throw new DomainException(DomainErrors.SsoDomainTaken);
            }

            var claim = new SsoDomain
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()),
                OrganizationId = organizationId,
                Domain = normalized,
                VerificationToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                CreatedAt = clock.GetUtcNow(),
            };
            db.Add(claim);
            audit.Record(actor, AuditActions.SsoDomainClaimed, organizationId, null, new { domain = normalized });
            return claim;
        }, cancellationToken);
    }

    /// <summary>
    /// Looks for the TXT record under the domain; verified when it is there. Null when it is not
    /// (nothing changes); a domain another organization verified meanwhile is refused.
    /// </summary>
    public async Task<SsoDomain?> VerifyDomainByDnsAsync(AuditActor actor, Guid organizationId, Guid domainId, CancellationToken cancellationToken = default)
    {
        var claim = await db.Set<SsoDomain>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == domainId && d.OrganizationId == organizationId, cancellationToken)
            ?? throw new DomainException(DomainErrors.SsoDomainNotFound);
        if (claim.IsVerified)
        {
            return claim;
        }

        var records = await dns.TxtRecordsAsync(claim.Domain, cancellationToken);
        var expected = System.Text.Encoding.UTF8.GetBytes(claim.ExpectedRecord);
        if (!records.Any(r => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(r.Trim()), expected)))
        {
            return null;
        }

        return await MarkVerifiedAsync(actor, organizationId, domainId, "dns", cancellationToken);
    }

    /// <summary>A platform operator vouches for the domain (e.g. after checking the customer's contract).</summary>
    public Task<SsoDomain> VerifyDomainByOperatorAsync(AuditActor actor, Guid organizationId, Guid domainId, CancellationToken cancellationToken = default) =>
        MarkVerifiedAsync(actor, organizationId, domainId, "operator", cancellationToken);

    public Task RemoveDomainAsync(AuditActor actor, Guid organizationId, Guid domainId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            var claim = await db.Set<SsoDomain>().SingleOrDefaultAsync(d => d.Id == domainId && d.OrganizationId == organizationId, ct)
                ?? throw new DomainException(DomainErrors.SsoDomainNotFound);
            db.Remove(claim);
            audit.Record(actor, AuditActions.SsoDomainRemoved, organizationId, null, new { domain = claim.Domain });
            return 0;
        }, cancellationToken);

    /// <summary>
    /// The organization whose identity provider signs in <paramref name="email"/>: the one holding
    /// its domain verified, with single sign-on on. Null otherwise.
    /// </summary>
    public async Task<Organization?> RouteAsync(string email, CancellationToken cancellationToken = default)
    {
        if (DomainOf(email) is not { } domain)
        {
            return null;
        }

        return await db.Set<SsoDomain>().Where(d => d.Domain == domain && d.VerifiedAt != null)
            .Join(db.Organizations, d => d.OrganizationId, o => o.Id, (_, o) => o)
            .Where(o => o.Sso.Enabled)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Ends every session the organization's identity provider made (and so its members' access in every app).</summary>
    public Task<int> EndFederatedSessionsAsync(Guid organizationId, string reason, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        return db.UserSessions.Where(s => s.FederatedOrganizationId == organizationId && s.EndedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.EndedAt, now).SetProperty(s => s.EndReason, reason), cancellationToken);
    }

    /// <summary>The normalized domain of an email address (after its last @), or null.</summary>
    public static string? DomainOf(string? email)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        return at < 1 ? null : NormalizeDomain(email![(at + 1)..]);
    }

    /// <summary>Lower-case ASCII host name with at least one dot, or null.</summary>
    public static string? NormalizeDomain(string? domain)
    {
        var text = domain?.Trim().TrimEnd('.') ?? "";
        if (text.Length is 0 or > SsoDomain.MaxLength)
        {
            return null;
        }

        try
        {
            text = new IdnMapping().GetAscii(text).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        return DomainPattern().IsMatch(text) ? text : null;
    }

    private async Task<SsoDomain> MarkVerifiedAsync(AuditActor actor, Guid organizationId, Guid domainId, string by, CancellationToken cancellationToken)
    {
        try
        {
            return await db.InTransactionAsync(async ct =>
            {
                var claim = await db.Set<SsoDomain>().SingleOrDefaultAsync(d => d.Id == domainId && d.OrganizationId == organizationId, ct)
                    ?? throw new DomainException(DomainErrors.SsoDomainNotFound);
                if (claim.IsVerified)
                {
                    return claim;
                }

                if (await db.Set<SsoDomain>().AnyAsync(d => d.Domain == claim.Domain && d.VerifiedAt != null && d.Id != claim.Id, ct))
                {
                    throw new DomainException(DomainErrors.SsoDomainTaken);
                }

                claim.VerifiedAt = clock.GetUtcNow();
                claim.VerifiedBy = by;
                audit.Record(actor, AuditActions.SsoDomainVerified, organizationId, null, new { domain = claim.Domain, by });
                return claim;
            }, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            // Another organization verified the same domain at the same instant (unique index).
            throw new DomainException(DomainErrors.SsoDomainTaken);
        }
    }

    private Task<SsoConnection> ChangeAsync(
        AuditActor actor, Guid organizationId, SsoProtocol protocol, Func<SsoConnection, Organization, object> apply, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async ct =>
        {
            var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == organizationId, ct)
                ?? throw new DomainException(DomainErrors.OrganizationNotFound);
            var connection = await FindConnectionAsync(organizationId, ct);
            if (connection is null)
            {
                connection = new SsoConnection { OrganizationId = organizationId };
                db.Add(connection);
            }

            var details = apply(connection, organization);
            connection.Protocol = protocol;
            connection.Version++;
            connection.UpdatedAt = clock.GetUtcNow();
            // A new identity provider (or new rules for it) must not keep the sessions the old one made.
            var ended = organization.Sso.Enabled ? await EndFederatedSessionsAsync(organizationId, "single sign-on changed", ct) : 0;
            audit.Record(actor, AuditActions.SsoConfigured, organizationId, null, new { settings = details, version = connection.Version, endedSessions = ended });
            return connection;
        }, cancellationToken);

    private void RequireAddress(Uri? address)
    {
        if (address is not { IsAbsoluteUri: true } || address.AbsoluteUri.Length > SsoConnection.MaxUrlLength
            || !string.IsNullOrEmpty(address.UserInfo) || !string.IsNullOrEmpty(address.Fragment))
        {
            throw new DomainException(DomainErrors.SsoAddressInvalid);
        }

        if (!(address.Scheme == Uri.UriSchemeHttps || (address.Scheme == Uri.UriSchemeHttp && options.Value.AllowHttp)))
        {
            throw new DomainException(DomainErrors.SsoAddressNotHttps);
        }
    }

    [GeneratedRegex("^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();
}
