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
/// The "reset account" link: one-time code, then a second email with an activation link for a
/// new passkey. Anyone holding the link may call it.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(LinkSetup.RateLimitPolicy)]
public sealed class ResetModel(
    InvitationService invitations, CodeRequestThrottle throttle, LinkThrottle links, AccountResetService resets, IOptions<PublicUrlOptions> urls)
    : CodeLinkPageModel(invitations, throttle, links)
{
    /// <summary>Set once the activation email went out; the link is used up then.</summary>
    public string? ActivationSentTo { get; private set; }

    protected override InvitationPurpose Purpose => InvitationPurpose.AccountReset;

    protected override Task<IActionResult> CodeConfirmedAsync(CancellationToken cancellationToken) => SendActivationAsync(cancellationToken);

    /// <summary>The code was confirmed earlier but the activation email did not go out: send it now.</summary>
    public async Task<IActionResult> OnPostActivationAsync(CancellationToken cancellationToken) =>
        await OpenAsync("send activation", cancellationToken) ? await SendActivationAsync(cancellationToken) : Page();

    private async Task<IActionResult> SendActivationAsync(CancellationToken cancellationToken)
    {
        var email = View?.Email;
        try
        {
            await resets.SendResetActivationAsync(Token, urls.Value.IdP, Address, cancellationToken);
        }
        catch (DomainException refused)
        {
            await ShowStepRefusalAsync(refused.Error, "send activation", cancellationToken);
            return Page();
        }

        ActivationSentTo = email;
        return Page();
    }
}
