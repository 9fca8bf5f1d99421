using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Sessions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Pages.Organizations;

/// <summary>
/// SPEC Onboarding: an operator creates an organization with its first user, who becomes Owner and
/// is invited with the onboarding link (the only one that allows a password, into demo mode).
/// Organization, Owner membership and invitation are one transaction. Operators only.
/// </summary>
public sealed class NewModel(PortalDbContext db, OrganizationOnboarding onboarding, IOptions<PublicUrlOptions> urls) : PageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Slug { get; set; }

    [BindProperty]
    public List<OrganizationKind> Kinds { get; set; } = [OrganizationKind.Customer];

    [BindProperty]
    public string? OwnerEmail { get; set; }

    public string? Error { get; private set; }

    /// <summary>The operator's sign-in is too old for this: confirm with a new one first.</summary>
    public bool NeedsConfirmation { get; private set; }

    public OrganizationOnboarded? Result { get; private set; }

    public void OnGet() => NeedsConfirmation = !HttpContext.IsRecent();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!HttpContext.IsRecent())
        {
            // A privileged action: a stolen or left-open console session is not enough.
            NeedsConfirmation = true;
            Error = ConsolePageModel.StaleSignIn;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        var kind = Kinds.Aggregate(OrganizationKind.None, (all, one) => all | one);
        if (string.IsNullOrWhiteSpace(OwnerEmail))
        {
            Error = "Enter the email address of the organization's first Owner.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        try
        {
            Result = await onboarding.CreateWithFirstOwnerAsync(
                await HttpContext.SignedInActorAsync(db),
                Name ?? "", Slug ?? "", kind, OwnerEmail, urls.Value.IdP, cancellationToken);
        }
        catch (DomainException error)
        {
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
            return Page();
        }

        return Page();
    }
}
