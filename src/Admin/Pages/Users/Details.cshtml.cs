using KeyPortal.Core;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Resets;
using KeyPortal.Core.Users;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Pages.Users;

/// <summary>
/// One account across every organization: state, memberships, credentials, sessions and what was
/// done to it; and what only the vendor's staff do to an account: suspend it (with a reason) and
/// lift the suspension, and reset it (the same reset an Owner makes, by an operator). Each
/// destructive action is confirmed first. Operators only; Core checks it again.
/// </summary>
public sealed class DetailsModel(
    PortalDbContext db,
    UserDirectory directory,
    UserAccountService accounts,
    AccountResetService resets,
    PlatformAuditLog auditLog,
    IOptions<PublicUrlOptions> urls) : ConsolePageModel
{
    public const int AuditShown = 20;

    private static readonly Dictionary<string, string> NoticeTexts = new(StringComparer.Ordinal)
    {
        ["suspended"] = "The account was suspended: it was signed out everywhere, its API tokens were deleted, and the Owners of its organizations were told.",
        ["lifted"] = "The suspension was lifted: the person signs in again with the credentials they had.",
        ["reset"] = "The account was reset: every passkey and password was removed, and the person was emailed how to set up a new passkey.",
    };

    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public UserProfile Profile { get; private set; } = null!;

    public IReadOnlyList<AuditRecord> RecentAudit { get; private set; } = [];

    /// <summary>Whether the signed-in operator is looking at their own account (they cannot suspend it).</summary>
    public bool IsSelf { get; private set; }

    public bool MaySuspend => Profile.State is not UserState.Suspended && !Profile.IsPlatformOperator && !IsSelf;

    public bool MayLift => Profile.State is UserState.Suspended;

    public bool MayReset => Profile.State is UserState.Active or UserState.Deactivated;

    protected override IReadOnlyDictionary<string, string> Notices => NoticeTexts;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSuspendAsync(CancellationToken cancellationToken)
    {
        if (await TryChangeAsync(async () => await accounts.SuspendAsync(await ActorAsync(), Id, Reason ?? "", cancellationToken)))
        {
            return Changed("suspended");
        }

        Confirm = "suspend";
        return await ShowAgainAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostLiftAsync(CancellationToken cancellationToken) =>
        await TryChangeAsync(async () => await accounts.LiftSuspensionAsync(await ActorAsync(), Id, cancellationToken))
            ? Changed("lifted")
            : await ShowAgainAsync(cancellationToken);

    public async Task<IActionResult> OnPostResetAsync(CancellationToken cancellationToken) =>
        await TryChangeAsync(async () => await resets.ResetUserAsync(await ActorAsync(), Id, organizationId: null, urls.Value.IdP, cancellationToken))
            ? Changed("reset")
            : await ShowAgainAsync(cancellationToken);

    private Task<AuditActor> ActorAsync() => HttpContext.SignedInActorAsync(db);

    private async Task<IActionResult> ShowAgainAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            Profile = await directory.GetAsync(Id, cancellationToken);
        }
        catch (DomainException error) when (error.Error == DomainErrors.UserNotFound)
        {
            return false;
        }

        IsSelf = CurrentMember.UserIdOf(User) == Id;
        RecentAudit = (await auditLog.PageAsync(new AuditFilter(TargetUserId: Id), before: null, AuditShown, cancellationToken)).Entries;
        return true;
    }
}
