using KeyPortal.Hosting.Authorization;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KeyPortal.Portal.Pages.Users;

/// <summary>
/// Create user (SPEC: an Owner creates a user with email and role): new people get an activation
/// email, existing accounts a notice. Owners of the current organization only (ManageMembers).
/// </summary>
[RequirePermission(Permission.ManageMembers)]
public sealed class NewModel(
    CurrentMember organization, PortalDbContext db, InvitationService invitations, IOptions<PublicUrlOptions> urls)
    : OrganizationPageModel(organization)
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string Role { get; set; } = nameof(OrganizationRole.Auditor);

    public string? Error { get; private set; }

    public InvitationResult? Result { get; private set; }

    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!OfferedRoles.Contains(Role) || string.IsNullOrWhiteSpace(Email))
        {
            Error = string.IsNullOrWhiteSpace(Email) ? "Enter the person's email address." : "Choose one of the offered roles.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var roles = MemberRoles.Parse([Role]);
        try
        {
            Result = await invitations.InviteAsync(await HttpContext.SignedInActorAsync(db), Current.Id, Email, roles, urls.Value.IdP, cancellationToken);
        }
        catch (DomainException error)
        {
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
            return Page();
        }

        Email = null;
        return Page();
    }
}
