using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// The activation link of an invitation (and the second email of an account reset): one-time
/// code, then a passkey (or, for the first Owner of a new organization, a password), then signed
/// in and on to the Portal. Anyone holding the link may call it.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(LinkSetup.RateLimitPolicy)]
public sealed class ActivateModel(
    InvitationService invitations, CodeRequestThrottle throttle, LinkThrottle links, SessionService sessions, PortalDbContext db,
    IOptions<PublicUrlOptions> urls) : CodeLinkPageModel(invitations, throttle, links)
{
    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    public string PortalUrl => urls.Value.Portal.AbsoluteUri;

    protected override InvitationPurpose Purpose => InvitationPurpose.Activation;

    protected override Task<IActionResult> CodeConfirmedAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IActionResult>(RedirectToPage(new { token = Token }));

    /// <summary>Onboarding only: activate with a password instead of a passkey (demo mode).</summary>
    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken cancellationToken)
    {
        if (!await OpenAsync("onboarding password", cancellationToken))
        {
            return Page();
        }

        if (!string.Equals(Password, ConfirmPassword, StringComparison.Ordinal))
        {
            Error = DomainErrors.PasswordsDiffer.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Guid userId;
        try
        {
            userId = await Invitations.OnboardingPasswordAsync(Token, Password ?? "", LinkConfirmation.ConfirmedFor(HttpContext), Address, cancellationToken);
        }
        catch (DomainException refused)
        {
            await ShowStepRefusalAsync(refused.Error, "onboarding password", cancellationToken);
            return Page();
        }

        var user = await db.Users.FindAsync([userId], cancellationToken) ?? throw new InvalidOperationException("The activated account is gone.");
        await sessions.StartAsync(HttpContext, user, [AuthenticationMethods.Password], passkeyId: null);
        LinkConfirmation.Forget(HttpContext);
        return Redirect(PortalUrl);
    }
}
