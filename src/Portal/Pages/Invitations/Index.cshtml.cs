using KeyPortal.Core.Authorization;
using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Portal.Pages.Invitations;

/// <summary>
/// The signed-in person's invitations to join organizations: accept or decline. Any signed-in
/// person; only their own invitations are listed or accepted (anyone else's id is 404).
/// </summary>
public sealed class IndexModel(CurrentMember organization, MembershipInvitations invitations, PortalDbContext db) : PageModel
{
    public IReadOnlyList<MembershipInvitationView> Open { get; private set; } = [];

    [BindProperty]
    public Guid InvitationId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Open = await invitations.ListForUserAsync(organization.UserId, cancellationToken);

    public Task<IActionResult> OnPostAcceptAsync(CancellationToken cancellationToken) =>
        AnswerAsync("accepted", actor => invitations.AcceptAsync(actor, InvitationId, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostDeclineAsync(CancellationToken cancellationToken) =>
        AnswerAsync("declined", actor => invitations.DeclineAsync(actor, InvitationId, cancellationToken), cancellationToken);

    private async Task<IActionResult> AnswerAsync(string done, Func<Core.Auditing.AuditActor, Task> answer, CancellationToken cancellationToken)
    {
        try
        {
            await answer(await HttpContext.SignedInActorAsync(db));
        }
        catch (DomainException error) when (error.Error == DomainErrors.MembershipInvitationNotFound || error.Error == DomainErrors.AlreadyMember)
        {
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
            Done = "gone";
            await OnGetAsync(cancellationToken);
            return Page();
        }

        return Redirect($"/invitations?done={done}");
    }
}
