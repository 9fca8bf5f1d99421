using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Resets;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// The single-use "reset password" link an Owner sent to a member who still has a password.
/// Setting the new password ends every session of the account. Anyone holding the link may call it.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(LinkSetup.RateLimitPolicy)]
public sealed class PasswordResetModel(InvitationService invitations, LinkThrottle links, AccountResetService resets, IOptions<PublicUrlOptions> urls)
    : LinkPageModel(invitations, links)
{
    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    public bool Done { get; private set; }

    public string PortalUrl => urls.Value.Portal.AbsoluteUri;

    protected override InvitationPurpose Purpose => InvitationPurpose.PasswordReset;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await OpenAsync("open", cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await OpenAsync("set password", cancellationToken))
        {
            return Page();
        }

        if (!string.Equals(Password, ConfirmPassword, StringComparison.Ordinal))
        {
            Error = DomainErrors.PasswordsDiffer.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        try
        {
            await resets.CompletePasswordResetAsync(Token, Password ?? "", Address, cancellationToken);
        }
        catch (DomainException refused)
        {
            await ShowStepRefusalAsync(refused.Error, "set password", cancellationToken);
            return Page();
        }

        Done = true;
        return Page();
    }
}
