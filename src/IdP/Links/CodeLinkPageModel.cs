using KeyPortal.Core.Errors;
using KeyPortal.Core.Invitations;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.IdP.Links;

/// <summary>
/// A link whose holder proves they read its email with a one-time code first (activation, account
/// reset): request the code, enter it (three tries, then the link locks for everybody), go on.
/// </summary>
public abstract class CodeLinkPageModel(InvitationService invitations, CodeRequestThrottle throttle, LinkThrottle links) : LinkPageModel(invitations, links)
{
    [BindProperty]
    public string? Code { get; set; }

    /// <summary>Set after a code was emailed (the page after the redirect says so).</summary>
    [BindProperty(SupportsGet = true)]
    public bool Sent { get; set; }

    public LinkStep Step => View switch
    {
        null => LinkStep.Refused,
        { LockedUntil: not null } => LinkStep.Locked,
        // Confirmed, but in this browser? Otherwise it confirms again (LinkConfirmation).
        { CodeVerified: true } when LinkConfirmation.ConfirmedFor(HttpContext) == View.UserId => LinkStep.CodeConfirmed,
        { CodeExpiresAt: not null } => LinkStep.EnterCode,
        _ => LinkStep.RequestCode,
    };

    /// <summary>Whole minutes until the lock ends, rounded up.</summary>
    public int LockMinutesLeft(DateTimeOffset now) =>
        View?.LockedUntil is { } until ? Math.Max(1, (int)Math.Ceiling((until - now).TotalMinutes)) : 0;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await OpenAsync("open", cancellationToken);

    public async Task<IActionResult> OnPostSendCodeAsync(CancellationToken cancellationToken)
    {
        if (!await OpenAsync("request code", cancellationToken))
        {
            return Page();
        }

        if (Step == LinkStep.CodeConfirmed)
        {
            await ShowStepRefusalAsync(DomainErrors.CodeAlreadyVerified, "request code", cancellationToken);
            return Page();
        }

        if (!await throttle.TryAcquireAsync(Token, cancellationToken))
        {
            await ShowStepRefusalAsync(LinkErrors.TooManyCodes, "request code", cancellationToken);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        try
        {
            await Invitations.SendCodeAsync(Token, Address, cancellationToken);
        }
        catch (DomainException refused)
        {
            await ShowStepRefusalAsync(refused.Error, "request code", cancellationToken);
            return Page();
        }

        // Post/redirect/get: reloading the page does not send another code.
        return RedirectToPage(new { token = Token, sent = true });
    }

    public async Task<IActionResult> OnPostCodeAsync(CancellationToken cancellationToken)
    {
        if (!await OpenAsync("enter code", cancellationToken))
        {
            return Page();
        }

        if (Step == LinkStep.CodeConfirmed)
        {
            // Confirmed in this browser already: a replayed form changes nothing.
            await ShowStepRefusalAsync(DomainErrors.CodeAlreadyVerified, "enter code", cancellationToken);
            return Page();
        }

        try
        {
            await Invitations.VerifyCodeAsync(Token, (Code ?? "").Trim(), Address, cancellationToken);
            LinkConfirmation.Remember(HttpContext, View!.UserId);
        }
        catch (DomainException refused)
        {
            await ShowStepRefusalAsync(refused.Error, "enter code", cancellationToken);
            return Page();
        }

        return await CodeConfirmedAsync(cancellationToken);
    }

    /// <summary>What follows a correct code on this page.</summary>
    protected abstract Task<IActionResult> CodeConfirmedAsync(CancellationToken cancellationToken);
}
