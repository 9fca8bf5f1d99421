using KeyPortal.Admin.PurchaseOrders;
using KeyPortal.Core;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Resets;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Management;

/// <summary>
/// <c>/api/v1/users</c>: every account across organizations; suspension and its lifting (operators
/// only, SPEC User account states) and the operator's reset.
/// </summary>
internal static class UserEndpoints
{
    /// <summary>An account as the search lists it.</summary>
    public sealed record UserSummary(Guid Id, string Email, UserState State, bool IsPlatformOperator, int Memberships, DateTimeOffset? LastLoginAt);

    /// <summary>One organization of an account, with the roles held there.</summary>
    public sealed record UserMembership(Guid OrganizationId, string OrganizationName, string OrganizationSlug, IReadOnlyList<string> Roles, DateTimeOffset JoinedAt);

    /// <summary>Everything an operator sees of an account: state, memberships, credentials (never secrets), recent sessions.</summary>
    public sealed record UserDetail(
        Guid Id,
        string Email,
        UserState State,
        UserState? StateBeforeSuspension,
        bool IsPlatformOperator,
        DateTimeOffset CreatedAt,
        DateTimeOffset StateChangedAt,
        DateTimeOffset? LastLoginAt,
        bool HasPassword,
        bool TotpEnabled,
        bool Passwordless,
        IReadOnlyList<PasskeySummary> Passkeys,
        IReadOnlyList<UserMembership> Memberships,
        IReadOnlyList<UserSessionView> Sessions);

    /// <summary>The body of <c>POST /users/{id}/suspension</c>: why (required, kept in the audit trail).</summary>
    public sealed record SuspensionRequest(string? Reason);

    /// <summary>The reset's emailed link went out: the account is in state Reset until the person completes it.</summary>
    public sealed record ResetView(Guid UserId, UserState State, DateTimeOffset LinkExpiresAt);

    public static void MapUserEndpoints(this RouteGroupBuilder v1)
    {
        var users = v1.MapGroup("/users").WithTags(ManagementApi.UsersTag);
        users.MapGet("/", SearchAsync)
            .WithName("SearchUsers")
            .WithSummary("Accounts whose email starts with a text, across organizations")
            .WithDescription("By email, keyset paged: pass `nextCursor` back as `cursor`. Without `email`, every account.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        users.MapGet("/{id:guid}", GetAsync)
            .WithName("GetUser")
            .WithSummary("One account: state, memberships, credentials and recent sessions")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPost("/{id:guid}/suspension", SuspendAsync)
            .WithName("SuspendUser")
            .WithSummary("Suspend an account, with a reason")
            .WithDescription("Sessions, tokens and API tokens end at once; memberships stay, so lifting restores the person. "
                + "Every Owner of the person's organizations is emailed. Suspending oneself (`user.suspend_self`) or a platform operator "
                + "(`user.suspend_operator`) is refused with 403.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapDelete("/{id:guid}/suspension", LiftSuspensionAsync)
            .WithName("LiftSuspension")
            .WithSummary("Lift an account's suspension")
            .WithDescription("The account returns to the state it had before; API tokens deleted by the suspension stay deleted. An account that is not suspended is refused (409).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPost("/{id:guid}/reset", ResetAsync)
            .WithName("ResetUser")
            .WithSummary("Reset an account (e.g. compromised)")
            .WithDescription("State Reset: passkeys, password, sessions and tokens are removed and a reset link is emailed. "
                + "Pending, Suspended and Deactivated accounts, and accounts already in Reset, are refused (409).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    internal static string LocationOf(Guid id) => $"/api/v1/users/{id}";

    private static async Task<Ok<Page<UserSummary>>> SearchAsync(
        UserDirectory directory, string? email, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var page = await directory.SearchAsync(email, cursor, limit, cancellationToken);
        return TypedResults.Ok(new Page<UserSummary>(
            [.. page.Rows.Select(r => new UserSummary(r.Id, r.Email, r.State, r.IsPlatformOperator, r.Memberships, r.LastLoginAt))], page.Next));
    }

    private static async Task<Ok<UserDetail>> GetAsync(UserDirectory directory, Guid id, CancellationToken cancellationToken)
    {
        var p = await directory.GetAsync(id, cancellationToken);
        return TypedResults.Ok(new UserDetail(
            p.Id, p.Email, p.State, p.StateBeforeSuspension, p.IsPlatformOperator, p.CreatedAt, p.StateChangedAt, p.LastLoginAt,
            p.HasPassword, p.TotpEnabled, p.Passwordless, p.Passkeys,
            [.. p.Memberships.Select(m => new UserMembership(m.OrganizationId, m.OrganizationName, m.OrganizationSlug, ManagementNames.RoleNames(m.Roles), m.JoinedAt))],
            p.Sessions));
    }

    private static async Task<Ok<UserSummary>> SuspendAsync(
        HttpContext http, PortalDbContext db, UserAccountService accounts, UserDirectory directory, Guid id, SuspensionRequest request)
    {
        var actor = await http.OperatorActorAsync(db);
        await accounts.SuspendAsync(actor, id, request.Reason ?? "", http.RequestAborted);
        return TypedResults.Ok(await SummaryAsync(directory, id, http.RequestAborted));
    }

    private static async Task<Ok<UserSummary>> LiftSuspensionAsync(
        HttpContext http, PortalDbContext db, UserAccountService accounts, UserDirectory directory, Guid id)
    {
        var actor = await http.OperatorActorAsync(db);
        await accounts.LiftSuspensionAsync(actor, id, http.RequestAborted);
        return TypedResults.Ok(await SummaryAsync(directory, id, http.RequestAborted));
    }

    private static async Task<Ok<ResetView>> ResetAsync(
        HttpContext http, PortalDbContext db, AccountResetService resets, IOptions<PublicUrlOptions> urls, Guid id)
    {
        var actor = await http.OperatorActorAsync(db);
        var sent = await resets.ResetUserAsync(actor, id, organizationId: null, urls.Value.IdP, http.RequestAborted);
        return TypedResults.Ok(new ResetView(sent.UserId, UserState.Reset, sent.ExpiresAt));
    }

    private static async Task<UserSummary> SummaryAsync(UserDirectory directory, Guid id, CancellationToken cancellationToken)
    {
        var p = await directory.GetAsync(id, cancellationToken);
        return new UserSummary(p.Id, p.Email, p.State, p.IsPlatformOperator, p.Memberships.Count, p.LastLoginAt);
    }
}
