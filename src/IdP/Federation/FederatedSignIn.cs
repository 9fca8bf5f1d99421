using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Federation;

/// <summary>
/// Where sign-in through an organization's own identity provider ends, whatever the protocol:
/// the SAML handler (src/Saml2) and the OpenID Connect handler (OpenIddict.Client) do the
/// protocol work (signature, issuer, audience, lifetime, replay) and hand over the
/// <see cref="FederatedIdentity"/> they validated, or their refusal's reason code.
/// Here the asserted email is matched to a member of that organization (nobody is created: Owners
/// add members), the session starts with <see cref="SessionService.StartAsync"/> (the one session
/// start of every sign-in), and everything is audited in the organization's trail. A connection
/// test by an Owner stops before the session: its result is kept for the Owner's session to read.
/// A refusal shows one generic page; its reason goes to the audit trail and the log only.
/// </summary>
public sealed partial class FederatedSignIn(
    SessionService sessions, PortalDbContext db, AuditTrail audit, TimeProvider clock, ILookupNormalizer normalizer, ILogger<FederatedSignIn> logger)
{
    public const string FailedPath = "/sso/failed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The identity provider of <paramref name="organization"/> authenticated <paramref name="identity"/>.</summary>
    public async Task<IResult> CompleteAsync(HttpContext http, Organization organization, SsoSignInRequest? request, FederatedIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(identity);
        if (request is { IsTest: true })
        {
            return await SaveTestAsync(http, organization, request, succeeded: true, reason: null, new
            {
                protocol = identity.Protocol,
                subject = identity.Subject,
                subjectFormat = identity.SubjectFormat,
                email = identity.Email,
                emailVerified = identity.EmailVerified,
                attributes = identity.Attributes,
                member = await MemberStateAsync(organization, identity.Email, http.RequestAborted),
            });
        }

        var email = identity.Email?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            return await RefuseAsync(http, organization, request, identity.Protocol, "no_email", $"subject {identity.Subject}");
        }

        if (!identity.EmailVerified)
        {
            return await RefuseAsync(http, organization, request, identity.Protocol, "email_not_verified", email);
        }

        var normalized = normalizer.NormalizeEmail(email);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, http.RequestAborted);
        // The address as stored, letter for letter but for case: normalization folds look-alikes
        // (the Kelvin sign "K" is a K once upper-cased), which must not make them one person.
        if (user is not null && !string.Equals(user.Email, email, StringComparison.OrdinalIgnoreCase))
        {
            return await RefuseAsync(http, organization, request, identity.Protocol, "email_mismatch", email);
        }

        // An address in a domain another organization has verified is that organization's to vouch for.
        var domain = SsoService.DomainOf(email);
        if (domain is not null && await db.Set<SsoDomain>().AnyAsync(d => d.Domain == domain && d.VerifiedAt != null && d.OrganizationId != organization.Id, http.RequestAborted))
        {
            return await RefuseAsync(http, organization, request, identity.Protocol, "domain_of_another_organization", email);
        }

        var (reason, member) = user is null ? ("not_member", false) : await RefusalOfAsync(user, organization.Id, http.RequestAborted);
        if (reason is not null)
        {
            return await RefuseAsync(http, organization, request, identity.Protocol, reason, email, member ? user!.Id : null);
        }

        await sessions.StartAsync(http, user!, [AuthenticationMethods.Federated], passkeyId: null, federatedOrganizationId: organization.Id, via: identity.Protocol);
        return Results.Redirect(ReturnUrls.Safe(request?.ReturnUrl) is { } back && back != "/" ? back : "/sso/signed-in");
    }

    /// <summary>
    /// The protocol handler refused the answer (<paramref name="reasonCode"/>, e.g. <c>wrong_audience</c>):
    /// audited with the reason; the browser sees the generic page (or, in a test, the reason).
    /// </summary>
    public async Task<IResult> RefuseAsync(
        HttpContext http, Organization organization, SsoSignInRequest? request, string protocol, string reasonCode, string? detail, Guid? userId = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(organization);
        LogRefused(logger, organization.Slug, protocol, reasonCode, detail);
        if (request is { IsTest: true })
        {
            return await SaveTestAsync(http, organization, request, succeeded: false, reasonCode, new { protocol, reason = reasonCode, detail });
        }

        return await AuditRefusalAsync(http, organization.Id, userId, protocol, reasonCode, detail);
    }

    /// <summary>
    /// An answer that names no organization we can trust (no valid state: forged, expired or
    /// already used): audited without an organization, the generic page for the browser.
    /// </summary>
    public async Task<IResult> RefuseUnattributedAsync(HttpContext http, string protocol, string reasonCode, string? detail)
    {
        ArgumentNullException.ThrowIfNull(http);
        LogRefused(logger, "(unknown)", protocol, reasonCode, detail);
        return await AuditRefusalAsync(http, null, null, protocol, reasonCode, detail);
    }

    /// <summary>The refusal in the audit trail (of the organization, when one is known), and the one generic page.</summary>
    private async Task<IResult> AuditRefusalAsync(HttpContext http, Guid? organizationId, Guid? userId, string protocol, string reasonCode, string? detail)
    {
        audit.Record(new AuditActor(null, "single sign-on", ClientAddress.Of(http)), AuditActions.SignInFailed, organizationId, userId,
            new { method = "sso", protocol, reason = reasonCode, detail = Truncate(detail) });
        await db.SaveChangesAsync(http.RequestAborted);
        return Results.Redirect(FailedPath);
    }

    /// <summary>
    /// Starts the session of <paramref name="user"/>, whom the identity provider of
    /// <paramref name="organizationId"/> authenticated. The session's method is always
    /// <see cref="AuthenticationMethods.Federated"/>, whatever the upstream provider reported (an
    /// organization's administrators control it, so its word is never a passkey here), and the
    /// session reaches that organization only (<see cref="UserSession.FederatedOrganizationId"/>).
    /// False, and nothing started, when the account may not hold a session (suspended, reset,
    /// deactivated, pending), is a platform operator (operators sign in with their own passkey,
    /// never through a customer's provider), or is not a member of that organization with its
    /// single sign-on turned on.
    /// </summary>
    public async Task<bool> StartSessionAsync(HttpContext http, User user, Guid organizationId, string protocol = "saml")
    {
        ArgumentNullException.ThrowIfNull(user);
        if ((await RefusalOfAsync(user, organizationId, http.RequestAborted)).Reason is not null)
        {
            return false;
        }

        await sessions.StartAsync(http, user, [AuthenticationMethods.Federated], passkeyId: null, federatedOrganizationId: organizationId, via: protocol);
        return true;
    }

    /// <summary>Why <paramref name="user"/> gets no session through the identity provider of <paramref name="organizationId"/> (null: they do), and whether they are a member there.</summary>
    private async Task<(string? Reason, bool Member)> RefusalOfAsync(User user, Guid organizationId, CancellationToken cancellationToken)
    {
        var membership = await db.Memberships.Where(m => m.UserId == user.Id && m.OrganizationId == organizationId)
            .Select(m => new { m.Organization.Sso.Enabled }).SingleOrDefaultAsync(cancellationToken);
        var reason = membership is null ? "not_member"
            : user.IsPlatformOperator ? "platform_operator"
            : !user.State.MayHoldSession() ? "account_not_active"
            : !membership.Enabled ? "sso_disabled"
            : null;
        return (reason, membership is not null);
    }

    private async Task<string> MemberStateAsync(Organization organization, string? email, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return "no email sent";
        }

        var normalized = normalizer.NormalizeEmail(email.Trim());
        var state = await db.Memberships.Where(m => m.OrganizationId == organization.Id && m.User.NormalizedEmail == normalized)
            .Select(m => (UserState?)m.User.State).SingleOrDefaultAsync(cancellationToken);
        return state is { } found ? $"member ({UserStateNames.Display(found)})" : "not a member of this organization";
    }

    private async Task<IResult> SaveTestAsync(HttpContext http, Organization organization, SsoSignInRequest request, bool succeeded, string? reason, object details)
    {
        var result = new SsoTestResult
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            OrganizationId = organization.Id,
            TestedBySessionId = request.TestedBySessionId ?? Guid.Empty,
            Succeeded = succeeded,
            ReasonCode = reason,
            Details = JsonSerializer.Serialize(details, Json),
            CreatedAt = clock.GetUtcNow(),
        };
        db.Add(result);
        // The Owner who ran the test is the actor (the request names their session).
        var owner = await db.UserSessions.Where(s => s.Id == result.TestedBySessionId)
            .Join(db.Users, s => s.UserId, u => u.Id, (_, u) => new { u.Id, u.Email }).SingleOrDefaultAsync(http.RequestAborted);
        audit.Record(new AuditActor(owner?.Id, owner?.Email ?? "single sign-on test", ClientAddress.Of(http)), AuditActions.SsoTested, organization.Id, null,
            new { succeeded, reason });
        await db.SaveChangesAsync(http.RequestAborted);
        return Results.Redirect($"/sso/{organization.Slug}/test/{result.Id}");
    }

    private static string? Truncate(string? text) => text is { Length: > 300 } ? text[..300] : text;

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Single sign-on of {Organization} by {Protocol} refused: {Reason} ({Detail}).")]
    private static partial void LogRefused(ILogger logger, string organization, string protocol, string reason, string? detail);
}
