using System.Net;
using System.Security.Cryptography;
using System.Text;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Saml2;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Federation.Saml;

/// <summary>
/// The SAML endpoints of each organization's service provider: its metadata (anyone may read
/// it; it holds public keys only) and the assertion consumer service, where the identity
/// provider's Response arrives by HTTP-POST. The ACS is called cross-site by the identity
/// provider's page, so it takes no anti-forgery token: what protects it is the Response's
/// signature, its InResponseTo naming a request this browser made (or IdP-initiated sign-in
/// switched on), and the replay cache.
/// </summary>
internal static partial class SamlEndpoints
{
    /// <summary>Base64 of the largest Response we read (the validator's own limit applies to the decoded XML).</summary>
    private const int MaxEncodedResponse = 512 * 1024;

    public static IEndpointRouteBuilder MapSamlEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/sso/{slug}/saml").WithTags("Single sign-on").AllowAnonymous();
        group.MapGet("/metadata", MetadataAsync).WithSummary("The organization's SAML service-provider metadata (public keys only).");
        group.MapPost("/acs", AssertionConsumerServiceAsync).DisableAntiforgery().RequireRateLimiting(SignIn.SignInSetup.RateLimitPolicy)
            .WithSummary("Where the organization's identity provider posts its SAML Response.");
        return endpoints;
    }

    private static async Task<IResult> MetadataAsync(string slug, PortalDbContext db, SamlServiceProvider serviceProvider, HttpContext http)
    {
        var (organization, connection) = await SsoEndpoints.FindAsync(db, slug, http.RequestAborted);
        if (organization is null || connection is not { Protocol: SsoProtocol.Saml, SamlServiceProviderKeyProtected: not null })
        {
            return Results.NotFound();
        }

        using var certificate = serviceProvider.Certificate(connection);
        var xml = ServiceProviderMetadataWriter.Write(serviceProvider.Describe(organization, connection, certificate));
        return Results.Text(xml, "application/samlmetadata+xml", Encoding.UTF8);
    }

    private static async Task<IResult> AssertionConsumerServiceAsync(
        string slug, HttpContext http, PortalDbContext db, SamlServiceProvider serviceProvider, SsoSignInRequests requests,
        FederatedSignIn federation, TimeProvider clock)
    {
        if (!http.Request.HasFormContentType)
        {
            return Results.Redirect(FederatedSignIn.FailedPath);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var response = form["SAMLResponse"].ToString();
        var relayState = form["RelayState"].ToString();
        // A cross-site POST brings no Lax cookie: post the same form again from our own origin, once.
        if (!http.Request.Cookies.ContainsKey(SsoSignInRequests.BindingCookie) && relayState.Length > 0 && form["reposted"].Count == 0)
        {
            return Repost(http, response, relayState);
        }

        var (organization, connection) = await SsoEndpoints.FindAsync(db, slug, http.RequestAborted);
        if (organization is null)
        {
            return Results.Redirect(FederatedSignIn.FailedPath);
        }

        var request = relayState.Length > 0 ? await requests.ClaimAsync(http, relayState, organization.Id) : null;
        if (connection is not { Protocol: SsoProtocol.Saml, IsComplete: true })
        {
            return await federation.RefuseAsync(http, organization, request, "saml", "not_configured", null);
        }

        if (response.Length is 0 or > MaxEncodedResponse)
        {
            return await federation.RefuseAsync(http, organization, request, "saml", response.Length == 0 ? "malformed" : "too_large", null);
        }

        if (request is null && !connection.SamlAllowIdpInitiated)
        {
            return await federation.RefuseAsync(http, organization, null, "saml", relayState.Length > 0 ? "unknown_request" : "unsolicited_not_allowed", null);
        }

        if (request is not null && request.ConnectionVersion != connection.Version)
        {
            return await federation.RefuseAsync(http, organization, request, "saml", "connection_changed", null);
        }

        var now = clock.GetUtcNow();
        if (connection.SamlMetadataValidUntil is { } validUntil && validUntil <= now)
        {
            return await federation.RefuseAsync(http, organization, request, "saml", "metadata_expired", $"validUntil {validUntil:O}");
        }

        using var certificate = serviceProvider.Certificate(connection);
        var sp = serviceProvider.Describe(organization, connection, certificate);
        var skew = TimeSpan.FromSeconds(connection.ClockSkewSeconds);
        var result = ResponseValidator.Validate(response, new ResponseValidationParameters
        {
            ServiceProviderEntityId = sp.EntityId,
            AssertionConsumerServiceUrl = sp.AssertionConsumerServiceUrl,
            IdentityProviderEntityId = connection.SamlIdentityProviderEntityId!,
            IdentityProviderCertificates = SamlServiceProvider.IdentityProviderCertificates(connection),
            ExpectedInResponseTo = request?.ProtocolRequestId,
            AllowUnsolicited = request is null && connection.SamlAllowIdpInitiated,
            RequireSignedAssertion = connection.SamlRequireSignedAssertions,
            AllowSha1 = connection.SamlAllowSha1,
            ClockSkew = skew,
            DecryptionCertificate = certificate,
            TimeProvider = clock,
        });
        if (result.Assertion is not { } assertion)
        {
            return await federation.RefuseAsync(http, organization, request, "saml", SamlRefusalCodes.Of(result.Refusal!.Value), result.Detail);
        }

        if (!await RememberAsync(db, organization.Id, assertion, skew, now, http.RequestAborted))
        {
            return await federation.RefuseAsync(http, organization, request, "saml", SamlRefusalCodes.Of(SamlRefusal.Replayed), $"assertion {assertion.AssertionId}");
        }

        return await federation.CompleteAsync(http, organization, request, IdentityOf(assertion));
    }

    /// <summary>
    /// The replay cache: the assertion's (issuer, id) is inserted under its primary key, so a
    /// second use fails on any instance sharing the database, until the assertion expires.
    /// </summary>
    private static async Task<bool> RememberAsync(PortalDbContext db, Guid organizationId, SamlAssertion assertion, TimeSpan skew, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{assertion.Issuer}\n{assertion.AssertionId}")));
        var keepUntil = assertion.KeepInReplayCacheUntil(skew);
        // Entries past their time cannot be replayed anyway (the assertion would be refused as expired).
        await db.Set<SamlAssertionUse>().Where(u => u.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        db.Add(new SamlAssertionUse { Key = key, OrganizationId = organizationId, ExpiresAt = keepUntil });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>The member's email: the NameID when it is one, else the usual email attributes.</summary>
    internal static FederatedIdentity IdentityOf(SamlAssertion assertion)
    {
        string? email = assertion.NameIdFormat == NameIdFormats.EmailAddress ? assertion.NameId : null;
        foreach (var name in EmailAttributes)
        {
            if (email is not null)
            {
                break;
            }

            if (assertion.Attributes.TryGetValue(name, out var values) && values.Count > 0)
            {
                email = values[0];
            }
        }

        email ??= Core.Users.EmailAddress.TryParse(assertion.NameId, out var parsed) ? parsed : null;
        return new FederatedIdentity("saml", assertion.NameId, assertion.NameIdFormat, email, EmailVerified: true, assertion.Attributes);
    }

    private static readonly string[] EmailAttributes =
    [
        "email", "mail", "emailaddress", "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ];

    private static IResult Repost(HttpContext http, string response, string relayState)
    {
        http.Response.Headers.CacheControl = "no-store";
        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Signing you in</title></head>
            <body>
            <form id="sso-repost" method="post" action="{WebUtility.HtmlEncode(http.Request.PathBase + http.Request.Path)}">
            <input type="hidden" name="SAMLResponse" value="{WebUtility.HtmlEncode(response)}">
            <input type="hidden" name="RelayState" value="{WebUtility.HtmlEncode(relayState)}">
            <input type="hidden" name="reposted" value="1">
            <noscript><p>Press Continue to finish signing in.</p></noscript>
            <button type="submit">Continue</button>
            </form>
            <script src="/js/sso-repost.js"></script>
            </body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
