using KeyPortal.Admin.PurchaseOrders;
using KeyPortal.Core;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Management;

/// <summary><c>/api/v1/organizations</c>: list, onboard, read one, change its kinds.</summary>
internal static class OrganizationEndpoints
{
    /// <summary>An organization as lists show it.</summary>
    public sealed record OrganizationSummary(Guid Id, string Name, string Slug, IReadOnlyList<string> Kinds, DateTimeOffset CreatedAt, int Members, int Owners);

    /// <summary>One organization: what lists show, and whether it signs its members in by single sign-on.</summary>
    public sealed record OrganizationDetail(
        Guid Id, string Name, string Slug, IReadOnlyList<string> Kinds, DateTimeOffset CreatedAt, int Members, int Owners, bool SingleSignOn);

    /// <summary>The body of <c>POST /organizations</c>: the organization and the email of its first Owner.</summary>
    public sealed record NewOrganization(string? Name, string? Slug, IReadOnlyList<string>? Kinds, string? OwnerEmail);

    /// <summary>The body of <c>PUT /organizations/{id}/kinds</c>.</summary>
    public sealed record KindsChange(IReadOnlyList<string>? Kinds);

    /// <summary>How a person was added: their account, and whether an activation link went out or an existing account joined.</summary>
    public sealed record PersonAdded(Guid UserId, string Email, InvitationOutcome Outcome, DateTimeOffset? ActivationExpiresAt);

    /// <summary>The answer to onboarding: the organization and its first Owner.</summary>
    public sealed record OrganizationOnboardedView(OrganizationDetail Organization, PersonAdded Owner);

    public static void MapOrganizationEndpoints(this RouteGroupBuilder v1)
    {
        var organizations = v1.MapGroup("/organizations").WithTags(ManagementApi.OrganizationsTag);
        organizations.MapGet("/", ListAsync)
            .WithName("ListOrganizations")
            .WithSummary("Organizations whose name or short name starts with a text")
            .WithDescription("Oldest first, keyset paged: pass `nextCursor` back as `cursor`. Without `q`, every organization.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        organizations.MapPost("/", OnboardAsync)
            .WithName("OnboardOrganization")
            .WithSummary("Onboard an organization with its first Owner")
            .WithDescription("Creates the organization and makes the person at `ownerEmail` its Owner: a new person gets the onboarding activation link, "
                + "an existing account joins at once and is told by email. `kinds` is any non-empty list of `Customer`, `Reseller`, `Distributor`. "
                + "Send an `Idempotency-Key` header to make retries safe: the same key and body answer the first outcome and create nothing; "
                + "the same key with another body is refused (409).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        organizations.MapGet("/{id:guid}", GetAsync)
            .WithName("GetOrganization")
            .WithSummary("One organization with its kinds and how many members and Owners it has")
            .ProducesProblem(StatusCodes.Status404NotFound);
        organizations.MapPut("/{id:guid}/kinds", ChangeKindsAsync)
            .WithName("ChangeOrganizationKinds")
            .WithSummary("Change what an organization is (Customer, Reseller, Distributor)")
            .WithDescription("A kind is removed only when nothing depends on it (members holding its channel role, purchase orders naming the organization so); "
                + "a Customer needs an Owner. Refusals are 409 with `organization.kind_in_use` or `organization.customer_needs_owner`.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<Page<OrganizationSummary>>> ListAsync(
        OrganizationDirectory directory, string? q, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var page = await directory.SearchAsync(q, cursor, limit, cancellationToken);
        return TypedResults.Ok(new Page<OrganizationSummary>(
            [.. page.Rows.Select(o => new OrganizationSummary(o.Id, o.Name, o.Slug, ManagementNames.KindNames(o.Kind), o.CreatedAt, o.Members, o.Owners))],
            page.Next));
    }

    private static async Task<Created<OrganizationOnboardedView>> OnboardAsync(
        HttpContext http,
        PortalDbContext db,
        OrganizationDirectory directory,
        OrganizationOnboarding onboarding,
        IdempotencyStore idempotency,
        IOptions<PublicUrlOptions> urls,
        NewOrganization input,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        var actor = await http.OperatorActorAsync(db);
        // Read before anything is written: an unknown kind name is a 400 like Core's own refusals.
        var kind = ManagementNames.ParseKinds(input.Kinds);
        var outcome = await ManagementApi.IdempotentAsync(
            http, idempotency, "organizations.onboard", OperatorCallers.IdempotencyOwnerOf(actor), idempotencyKey, input, DomainErrors.OrganizationSlugTaken.Code,
            async ct =>
            {
                var onboarded = await onboarding.CreateWithFirstOwnerAsync(
                    actor, input.Name ?? "", input.Slug ?? "", kind, input.OwnerEmail ?? "", urls.Value.IdP, ct);
                var detail = await DetailAsync(directory, onboarded.Organization.Id, ct);
                var owner = onboarded.Owner;
                var view = new OrganizationOnboardedView(detail, new PersonAdded(owner.UserId, owner.Email, owner.Outcome, owner.ExpiresAt));
                return new IdempotentOutcome(StatusCodes.Status201Created, ManagementApi.Serialize(http, view), LocationOf(detail.Id), Replayed: false);
            });
        return TypedResults.Created(outcome.Location, ManagementApi.Deserialize<OrganizationOnboardedView>(http, outcome.Body));
    }

    private static async Task<Ok<OrganizationDetail>> GetAsync(OrganizationDirectory directory, Guid id, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DetailAsync(directory, id, cancellationToken));

    private static async Task<Ok<OrganizationDetail>> ChangeKindsAsync(
        HttpContext http, PortalDbContext db, OrganizationService organizations, OrganizationDirectory directory, Guid id, KindsChange change)
    {
        var actor = await http.OperatorActorAsync(db);
        await organizations.ChangeKindAsync(actor, id, ManagementNames.ParseKinds(change.Kinds), http.RequestAborted);
        return TypedResults.Ok(await DetailAsync(directory, id, http.RequestAborted));
    }

    internal static string LocationOf(Guid id) => $"/api/v1/organizations/{id}";

    /// <summary>The organization's detail; refused with <c>organization.not_found</c> when there is none.</summary>
    internal static async Task<OrganizationDetail> DetailAsync(OrganizationDirectory directory, Guid id, CancellationToken cancellationToken)
    {
        var o = await directory.GetAsync(id, cancellationToken);
        return new OrganizationDetail(o.Id, o.Name, o.Slug, ManagementNames.KindNames(o.Kind), o.CreatedAt, o.Members, o.Owners, o.SingleSignOn);
    }
}
