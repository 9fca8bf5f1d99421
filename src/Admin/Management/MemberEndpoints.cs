using KeyPortal.Admin.PurchaseOrders;
using KeyPortal.Core;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Management;

/// <summary>
/// <c>/api/v1/organizations/{id}/members</c> and <c>/owners</c>: operators add people, change
/// roles, remove members and appoint Owners. The at-least-one-Owner rule and the roles an
/// organization's kind allows are Core's (<see cref="MembershipService"/>, <see cref="OperatorMemberships"/>).
/// </summary>
internal static class MemberEndpoints
{
    /// <summary>The body of <c>POST /members</c>: roles by name, e.g. <c>["Admin"]</c> or <c>["Owner","Reseller"]</c>.</summary>
    public sealed record NewMember(string? Email, IReadOnlyList<string>? Roles);

    /// <summary>The body of <c>PUT /members/{userId}/roles</c>.</summary>
    public sealed record RolesChange(IReadOnlyList<string>? Roles);

    /// <summary>The body of <c>POST /owners</c>: who becomes Owner, and why (kept in the audit trail).</summary>
    public sealed record OwnerAppointment(string? Email, string? Reason);

    /// <summary>A member of an organization.</summary>
    public sealed record MemberView(Guid OrganizationId, Guid UserId, string Email, IReadOnlyList<string> Roles);

    /// <summary>A person added by an operator: the membership, and how they were told (<see cref="Promoted"/>: an existing member made Owner).</summary>
    public sealed record MemberAddedView(
        Guid OrganizationId, Guid UserId, string Email, IReadOnlyList<string> Roles, InvitationOutcome Outcome, DateTimeOffset? ActivationExpiresAt, bool Promoted);

    public static void MapMemberEndpoints(this RouteGroupBuilder v1)
    {
        var organization = v1.MapGroup("/organizations/{id:guid}").WithTags(ManagementApi.MembersTag);
        organization.MapPost("/members", AddAsync)
            .WithName("AddMember")
            .WithSummary("Add a person to an organization with roles")
            .WithDescription("A new person gets an activation link; an existing account joins at once and is told by email. "
                + "Channel roles (`Reseller`, `Distributor`) only in an organization of that kind. "
                + "Send an `Idempotency-Key` header to make retries safe (as for onboarding).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        organization.MapPut("/members/{userId:guid}/roles", ChangeRolesAsync)
            .WithName("ChangeMemberRoles")
            .WithSummary("Change a member's roles")
            .WithDescription("The organization keeps at least one Owner: taking the last one's Owner role is refused (409 `organization.last_owner`).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        organization.MapDelete("/members/{userId:guid}", RemoveAsync)
            .WithName("RemoveMember")
            .WithSummary("Remove a member from an organization")
            .WithDescription("The member's API tokens of the organization are deleted; a person removed from their last organization becomes Deactivated. "
                + "The last Owner is not removed (409).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        organization.MapPost("/owners", AppointOwnerAsync)
            .WithName("AppointOwner")
            .WithSummary("Appoint an Owner, with a reason")
            .WithDescription("For an organization that lost its last usable Owner: a member is made Owner (keeping channel roles), anybody else joins as Owner. "
                + "The reason is required and audited. A suspended account is refused (409).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Created<MemberAddedView>> AddAsync(
        HttpContext http,
        PortalDbContext db,
        OperatorMemberships memberships,
        IdempotencyStore idempotency,
        IOptions<PublicUrlOptions> urls,
        Guid id,
        NewMember input,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        var actor = await http.OperatorActorAsync(db);
        var roles = MemberRoles.Parse(input.Roles ?? []);
        var outcome = await ManagementApi.IdempotentAsync(
            http, idempotency, $"organizations.members.add:{id}", OperatorCallers.IdempotencyOwnerOf(actor), idempotencyKey, input, DomainErrors.AlreadyMember.Code,
            async ct =>
            {
                var added = await memberships.AddAsync(actor, id, input.Email ?? "", roles, urls.Value.IdP, ct);
                var person = added.Person;
                var view = new MemberAddedView(id, person.UserId, person.Email, ManagementNames.RoleNames(roles), person.Outcome, person.ExpiresAt, added.Promoted);
                return new IdempotentOutcome(StatusCodes.Status201Created, ManagementApi.Serialize(http, view), UserEndpoints.LocationOf(person.UserId), Replayed: false);
            });
        return TypedResults.Created(outcome.Location, ManagementApi.Deserialize<MemberAddedView>(http, outcome.Body));
    }

    private static async Task<Ok<MemberView>> ChangeRolesAsync(
        HttpContext http, PortalDbContext db, MembershipService memberships, Guid id, Guid userId, RolesChange change)
    {
        var actor = await http.OperatorActorAsync(db);
        await memberships.ChangeRolesAsync(actor, id, userId, MemberRoles.Parse(change.Roles ?? []), http.RequestAborted);
        return TypedResults.Ok(await MemberAsync(db, id, userId, http.RequestAborted));
    }

    private static async Task<NoContent> RemoveAsync(HttpContext http, PortalDbContext db, MembershipService memberships, Guid id, Guid userId)
    {
        var actor = await http.OperatorActorAsync(db);
        await memberships.RemoveMemberAsync(actor, id, userId, http.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<MemberAddedView>> AppointOwnerAsync(
        HttpContext http, PortalDbContext db, OperatorMemberships memberships, IOptions<PublicUrlOptions> urls, Guid id, OwnerAppointment input)
    {
        var actor = await http.OperatorActorAsync(db);
        var appointed = await memberships.AppointOwnerAsync(actor, id, input.Email ?? "", input.Reason ?? "", urls.Value.IdP, http.RequestAborted);
        var member = await MemberAsync(db, id, appointed.Person.UserId, http.RequestAborted);
        var person = appointed.Person;
        return TypedResults.Ok(new MemberAddedView(id, person.UserId, person.Email, member.Roles, person.Outcome, person.ExpiresAt, appointed.Promoted));
    }

    private static async Task<MemberView> MemberAsync(PortalDbContext db, Guid organizationId, Guid userId, CancellationToken cancellationToken)
    {
        var row = await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == organizationId && m.UserId == userId)
            .Select(m => new { m.User.Email, m.OrganizationRole, m.ChannelRoles })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new DomainException(DomainErrors.MembershipNotFound);
        return new MemberView(organizationId, userId, row.Email ?? "", ManagementNames.RoleNames(new MemberRoles(row.OrganizationRole, row.ChannelRoles)));
    }
}
