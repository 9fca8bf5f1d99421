using System.Net;
using KeyPortal.IdP.Tests.Support;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>
/// After the right code, an activation link is bound to the browser that entered it: whoever
/// later holds the URL (a forwarded mail, browser history) cannot register their own passkey.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class LinkBindingTests(IdpHost host)
{
    [Fact]
    public async Task A_confirmed_link_opened_in_another_browser_asks_for_a_code_again_and_refuses_the_passkey_step()
    {
        var invitee = await host.InviteNewPersonAsync();
        using (var owner = new LinkBrowser(host))
        {
            await host.ConfirmCodeAsync(owner, invitee.Email, invitee.Link);
            Assert.True((await owner.OpenAsync(invitee.Link)).Shows("activate-passkey"));
        }

        using var thief = new LinkBrowser(host);
        var page = await thief.OpenAsync(invitee.Link);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.False(page.Shows("activate-passkey"));
        Assert.Contains("handler=SendCode", page.Html, StringComparison.Ordinal);

        var options = await thief.PostJsonAsync($"{invitee.Link.AbsolutePath}/passkey/options", new { });
        Assert.Equal(HttpStatusCode.Forbidden, options.Status);
        var complete = await thief.PostJsonAsync($"{invitee.Link.AbsolutePath}/passkey/complete", new { ceremonyId = Guid.NewGuid(), credential = new { } });
        Assert.Equal(HttpStatusCode.Forbidden, complete.Status);

        // The thief cannot confirm it either: the code goes to the owner's mailbox only.
        await using var db = host.Database.CreateContext();
        Assert.True(await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(
            db.AuditEntries, a => a.Action == "invitation.refused" && a.TargetUserId == invitee.Invited.UserId && a.Details!.Contains("not_confirmed_here")));
    }
}
