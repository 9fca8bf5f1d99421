using KeyPortal.Core.Sessions;
using System.Security.Claims;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Invitations;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.Links;

/// <summary>
/// A page behind an emailed link (<c>/activate/{token}</c>, <c>/reset/{token}</c>,
/// <c>/password-reset/{token}</c>). Anyone holding the link may open it; the token is the
/// credential. Every refusal (forged, expired, used, superseded, another page's link, someone
/// else's session) gets a page that says what to do, changes nothing and is audited.
/// </summary>
public abstract class LinkPageModel(InvitationService invitations, LinkThrottle links) : PageModel
{
    /// <summary>The token from the link. Bound from the route.</summary>
    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true)]
    public string Token { get; set; } = "";

    /// <summary>The opened link; null when it was refused.</summary>
    public InvitationView? View { get; protected set; }

    /// <summary>Why the link cannot be used (the page shows only this).</summary>
    public string? Refusal { get; protected set; }

    /// <summary>The email of a different account whose session followed this link.</summary>
    public string? OtherAccount { get; protected set; }

    /// <summary>What went wrong with the last step (wrong code, password rules...); the link itself is fine.</summary>
    public string? Error { get; protected set; }

    protected InvitationService Invitations => invitations;

    protected abstract InvitationPurpose Purpose { get; }

    protected string? Address => ClientAddress.Of(HttpContext);

    protected Guid? SignedInUserId => Guid.TryParse(User.FindFirstValue(KeyPortalClaims.Subject), out var id) ? id : null;

    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        // The page carries a live secret in its address: never cached, anywhere.
        Response.Headers.CacheControl = "no-store";
        Response.Headers.Pragma = "no-cache";
    }

    /// <summary>Opens the link for <paramref name="step"/>; false (and the refusal shown and audited) when it cannot be used.</summary>
    protected async Task<bool> OpenAsync(string step, CancellationToken cancellationToken)
    {
        if (!await links.TryAcquireAsync(Token, cancellationToken))
        {
            // Over this link's own budget: nothing is read or written.
            View = null;
            Refusal = "Too many requests for this link. Wait a minute, then try again.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return false;
        }

        try
        {
            View = await invitations.OpenAsync(Token, cancellationToken);
        }
        catch (DomainException refused)
        {
            await RefuseAsync(refused.Error, step, cancellationToken);
            return false;
        }

        if (View.Purpose != Purpose)
        {
            // A reset link pasted into the activation page and the like: not this page's link.
            await RefuseAsync(DomainErrors.InvitationInvalid, step, cancellationToken, $"{View.Purpose} link on the {Purpose} page");
            return false;
        }

        if (SignedInUserId is { } signedIn && signedIn != View.UserId)
        {
            // Someone else's session must not act on, or see, this person's link.
            OtherAccount = User.FindFirstValue(KeyPortalClaims.Email) ?? "";
            await RefuseAsync(DomainErrors.InvitationInvalid, step, cancellationToken, "followed by another account's session");
            Refusal = null;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return false;
        }

        return true;
    }

    /// <summary>Shows and audits a refusal of the link itself.</summary>
    protected async Task RefuseAsync(DomainError error, string step, CancellationToken cancellationToken, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        View = null;
        Refusal = error.Message;
        if (!await links.TryRecordRefusalAsync(ClientAddress.ThrottleKey(HttpContext), cancellationToken))
        {
            // Guessing from this address: refused without filling the audit trail.
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }

        await invitations.RecordRefusalAsync(Token, reason ?? error.Code, step, Address, SignedInUserId, cancellationToken);
        Response.StatusCode = error.Code switch
        {
            "invitation.expired" or "invitation.used" or "invitation.superseded" => StatusCodes.Status410Gone,
            _ => KeyPortal.Hosting.DomainExceptionHandler.StatusCodeOf(error),
        };
    }

    /// <summary>A step was refused but the link may still work: say why and show the link's current step again.</summary>
    protected async Task ShowStepRefusalAsync(DomainError error, string step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Code is "invitation.invalid" or "invitation.expired" or "invitation.used" or "invitation.superseded")
        {
            await RefuseAsync(error, step, cancellationToken);
            return;
        }

        // Wrong codes are audited by the invitation itself; anything else (a replayed form,
        // a step out of order, a try during the lock) is audited here.
        if (error.Code != "code.invalid")
        {
            await invitations.RecordRefusalAsync(Token, error.Code, step, Address, SignedInUserId, cancellationToken);
        }

        Error = error.Message;
        Response.StatusCode = KeyPortal.Hosting.DomainExceptionHandler.StatusCodeOf(error);
        try
        {
            View = await invitations.OpenAsync(Token, cancellationToken);
        }
        catch (DomainException refused)
        {
            View = null;
            Error = null;
            Refusal = refused.Error.Message;
        }
    }
}
