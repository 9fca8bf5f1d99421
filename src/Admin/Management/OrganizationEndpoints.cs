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
    /// <summary>The longest search text taken (names are at most 200 characters).</summary>
    public const int MaxSearchLength = Organization.MaxNameLength;

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
        PortalDbContext db, string? q, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var take = Cursor.Limit(limit);
        var after = Cursor.Decode(cursor);
        var query = db.Organizations.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(q))
        {
            var text = q.Trim();
            if (text.Length > MaxSearchLength)
            {
                // Longer than any name or short name: nothing starts with it.
                return TypedResults.Ok(new Page<OrganizationSummary>([], null));
            }

            var slug = text.ToLowerInvariant();
            query = query.Where(o => o.Name.StartsWith(text) || o.Slug.StartsWith(slug));
        }

        if (after is { } last)
        {
            // Ids are time-ordered (UUIDv7): the next page starts strictly after the last one read.
            query = query.Where(o => o.Id.CompareTo(last) > 0);
        }

        var rows = await query.OrderBy(o => o.Id).Take(take + 1)
            .Select(o => new
            {
                o.Id,
                o.Name,
                o.Slug,
                o.Kind,
                o.CreatedAt,
                Members = db.Memberships.Count(m => m.OrganizationId == o.Id),
                Owners = db.Memberships.Count(m => m.OrganizationId == o.Id && m.OrganizationRole == OrganizationRole.Owner),
            })
            .ToListAsync(cancellationToken);
        var items = rows.Take(take).Select(o => new OrganizationSummary(o.Id, o.Name, o.Slug, ManagementNames.KindNames(o.Kind), o.CreatedAt, o.Members, o.Owners)).ToList();
        return TypedResults.Ok(new Page<OrganizationSummary>(items, rows.Count > take ? Cursor.Encode(items[^1].Id) : null));
    }

    private static async Task<Created<OrganizationOnboardedView>> OnboardAsync(
        HttpContext http,
        PortalDbContext db,
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
                var detail = await DetailAsync(db, onboarded.Organization.Id, ct);
                var owner = onboarded.Owner;
                var view = new OrganizationOnboardedView(detail, new PersonAdded(owner.UserId, owner.Email, owner.Outcome, owner.ExpiresAt));
                return new IdempotentOutcome(StatusCodes.Status201Created, ManagementApi.Serialize(http, view), LocationOf(detail.Id), Replayed: false);
            });
        return TypedResults.Created(outcome.Location, ManagementApi.Deserialize<OrganizationOnboardedView>(http, outcome.Body));
    }

    private static async Task<Ok<OrganizationDetail>> GetAsync(PortalDbContext db, Guid id, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DetailAsync(db, id, cancellationToken));

    private static async Task<Ok<OrganizationDetail>> ChangeKindsAsync(
        HttpContext http, PortalDbContext db, OrganizationService organizations, Guid id, KindsChange change)
    {
        var actor = await http.OperatorActorAsync(db);
        await organizations.ChangeKindAsync(actor, id, ManagementNames.ParseKinds(change.Kinds), http.RequestAborted);
        return TypedResults.Ok(await DetailAsync(db, id, http.RequestAborted));
    }

    internal static string LocationOf(Guid id) => $"/api/v1/organizations/{id}";

    /// <summary>The organization's detail; refused with <see cref="DomainErrors.OrganizationNotFound"/> when there is none.</summary>
    internal static async Task<OrganizationDetail> DetailAsync(PortalDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var row = await db.Organizations.AsNoTracking().Where(o => o.Id == id)
            .Select(o => new
            {
                o.Id,
                o.Name,
                o.Slug,
                o.Kind,
                o.CreatedAt,
                Members = db.Memberships.Count(m => m.OrganizationId == o.Id),
                Owners = db.Memberships.Count(m => m.OrganizationId == o.Id && m.OrganizationRole == OrganizationRole.Owner),
                Sso = o.Sso.Enabled,
            })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new DomainException(DomainErrors.OrganizationNotFound);
        return new OrganizationDetail(row.Id, row.Name, row.Slug, ManagementNames.KindNames(row.Kind), row.CreatedAt, row.Members, row.Owners, row.Sso);
    }
}
