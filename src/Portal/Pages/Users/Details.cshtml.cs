using KeyPortal.Hosting.Authorization;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Resets;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KeyPortal.Portal.Pages.Users;

/// <summary>
/// One member of the current organization: roles (edit), reset user, reset password (only while
/// they have a password), resend activation, remove, and their recent audit entries. Viewing needs
/// ViewMembers; every change its own Owner permission. A user who is not a member of the current
/// organization is 404, whatever their id.
/// </summary>
[RequirePermission(Permission.ViewMembers)]
public sealed class DetailsModel(
    CurrentMember organization, PortalDbContext db, MembershipService memberships, AccountResetService resets,
    InvitationService invitations, IOptions<PublicUrlOptions> urls) : OrganizationPageModel(organization)
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    /// <summary>Which confirmation to show inline (the no-script path of the dialogs).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Confirm { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    [BindProperty]
    public string? OrganizationRoleInput { get; set; }

    [BindProperty]
    public List<string> ChannelRoleInputs { get; set; } = [];

    public MemberView? Member { get; private set; }

    public IReadOnlyList<AuditEntry> RecentAudit { get; private set; } = [];

    public string? Error { get; private set; }

    public bool MayManage => Allows(Permission.ManageMembers);

    public bool MayChangeRoles => Allows(Permission.ChangeMemberRoles);

    /// <summary>
    /// Reset user and reset password: the permission here, and the account is the actor's to
    /// reset (every organization of the member is one the actor owns; never an operator's).
    /// </summary>
    public bool MayReset => Allows(Permission.ResetMemberCredentials) && AccountWithinReach;

    /// <summary>The permission is there, but the account reaches beyond the actor's organizations.</summary>
    public bool ResetNeedsVendor => Allows(Permission.ResetMemberCredentials) && !AccountWithinReach;

    private bool AccountWithinReach { get; set; }

    /// <summary>The member as the page shows them.</summary>
    public sealed record MemberView(
        Guid UserId, string Email, UserState State, MemberRoles Roles, DateTimeOffset? LastLoginAt, DateTimeOffset MemberSince,
        bool HasPassword, bool TotpEnabled, int Passkeys)
    {
        public bool AwaitsActivation => State is UserState.Pending or UserState.Reset;
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    [RequirePermission(Permission.ChangeMemberRoles)]
    public Task<IActionResult> OnPostRolesAsync(CancellationToken cancellationToken) =>
        ChangeAsync("roles", async actor =>
        {
            // Unknown names are refused here, roles the organization's kind does not offer by the change itself.
            var roles = MemberRoles.Parse([OrganizationRoleInput, .. ChannelRoleInputs]);
            await memberships.ChangeRolesAsync(actor, Current.Id, Id, roles, cancellationToken);
        }, cancellationToken);

    [RequirePermission(Permission.ResetMemberCredentials)]
    public Task<IActionResult> OnPostResetAsync(CancellationToken cancellationToken) =>
        ChangeAsync("reset", actor => resets.ResetUserAsync(actor, Id, Current.Id, urls.Value.IdP, cancellationToken), cancellationToken);

    [RequirePermission(Permission.ResetMemberCredentials)]
    public Task<IActionResult> OnPostResetPasswordAsync(CancellationToken cancellationToken) =>
        ChangeAsync("password-reset", actor => resets.ResetPasswordAsync(actor, Id, Current.Id, urls.Value.IdP, cancellationToken), cancellationToken);

    [RequirePermission(Permission.ManageMembers)]
    public Task<IActionResult> OnPostResendAsync(CancellationToken cancellationToken) =>
        ChangeAsync("resent", actor => invitations.ResendAsync(actor, Current.Id, Id, urls.Value.IdP, cancellationToken), cancellationToken);

    [RequirePermission(Permission.ManageMembers)]
    public async Task<IActionResult> OnPostRemoveAsync(CancellationToken cancellationToken)
    {
        var result = await ChangeAsync("removed", actor => memberships.RemoveMemberAsync(actor, Current.Id, Id, cancellationToken), cancellationToken);
        return result is RedirectResult ? Redirect("/users?done=removed") : result;
    }

    /// <summary>Checks that the user is a member here, runs the change, and shows the page again (the handler's permission was checked before it ran).</summary>
    private async Task<IActionResult> ChangeAsync(string done, Func<AuditActor, Task> change, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        try
        {
            await change(await HttpContext.SignedInActorAsync(db));
        }
        catch (DomainException error)
        {
            // Nothing changed; say why on the same page.
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
            db.ChangeTracker.Clear();
            await LoadAsync(cancellationToken);
            return Page();
        }

        return Redirect($"/users/{Id}?done={done}");
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        var organizationId = Current.Id;
        var row = await db.Memberships.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId && m.UserId == Id)
            .Select(m => new
            {
                m.UserId, m.User.Email, m.User.State, m.OrganizationRole, m.ChannelRoles, m.User.LastLoginAt, m.CreatedAt,
                HasPassword = m.User.PasswordHash != null, m.User.TwoFactorEnabled,
                Passkeys = db.PasskeyCredentials.Count(p => p.UserId == m.UserId),
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return false;
        }

        AccountWithinReach = await db.MayActOnAccountAsync(await HttpContext.SignedInActorAsync(db), Id, cancellationToken);
        Member = new MemberView(row.UserId, row.Email ?? "", row.State, new MemberRoles(row.OrganizationRole, row.ChannelRoles),
            row.LastLoginAt, row.CreatedAt, row.HasPassword, row.TwoFactorEnabled, row.Passkeys);
        RecentAudit = await db.AuditEntries.AsNoTracking()
            .AboutMember(organizationId, Id)
            .OrderByDescending(a => a.Id)
            .Take(20)
            .ToListAsync(cancellationToken);
        return true;
    }
}

/// <summary>A confirmation the details page asks for before a change.</summary>
public sealed record ConfirmAction(string Key, string Title, string Text, string Handler, string Button, bool Danger, bool Inline);
