using KeyPortal.Core.Memberships;

namespace KeyPortal.EndToEnd.Audit;

/// <summary>
/// Your organization > Audit trail as an Owner reads it at 1280 px: the table stays inside its
/// card and the window, details read as labelled fields, and a refused use of an emailed link
/// is attributed to "someone with the link" and the address it was sent to.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class AuditTrailJourneyTests(KeyPortalApps apps)
{
    [Fact]
    public async Task An_owner_reads_a_refused_link_attempt_as_someone_with_the_link_in_readable_fields_that_fit_the_window()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Litware {suffix}");
        var owner = await people.PersonAsync($"owner.{suffix}@example.com", (organization, MemberRoles.Owner));
        var invitee = $"invitee.{suffix}@example.com";
        await apps.InviteAsync(owner, organization.Slug, invitee, MemberRoles.Auditor);
        var firstLink = (await apps.Mailbox.NextAsync(invitee, "Activate")).Link(new Uri(apps.IdP, "activate/").AbsoluteUri);

        await using var journey = await apps.StartJourneyAsync(nameof(An_owner_reads_a_refused_link_attempt_as_someone_with_the_link_in_readable_fields_that_fit_the_window));
        var page = journey.Page;
        await people.SignInAsync(page, owner);

        // The Owner sends a new link, so the first one stops working.
        await page.GotoAsync(new Uri(apps.Portal, "users").AbsoluteUri);
        await page.Locator($"tr[data-email='{invitee}'] a").First.ClickAsync();
        await page.Locator("#resend").ClickAsync();
        await page.Locator("#confirm-resend").ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("new link");
        await apps.Mailbox.NextAsync(invitee, "Activate");

        // Someone, signed in nowhere, opens the old link.
        await using (var stranger = await apps.StartJourneyAsync(nameof(An_owner_reads_a_refused_link_attempt_as_someone_with_the_link_in_readable_fields_that_fit_the_window) + "-link"))
        {
            await stranger.Page.GotoAsync(firstLink.AbsoluteUri);
            await Assertions.Expect(stranger.Page.Locator("#link-refused")).ToContainTextAsync("newer email");
        }

        await page.GotoAsync(new Uri(apps.Portal, "audit").AbsoluteUri);
        var refused = page.GetByTestId("audit-row").Filter(new() { HasText = "invitation.refused" }).First;
        await Assertions.Expect(refused.GetByTestId("audit-actor")).ToHaveTextAsync($"someone with the link sent to {invitee}");
        var details = refused.GetByTestId("audit-details");
        await Assertions.Expect(details.Locator("dt").First).ToHaveTextAsync("Reason");
        await Assertions.Expect(details.Locator("dd").First).ToHaveTextAsync("invitation.superseded");
        await Assertions.Expect(details).Not.ToContainTextAsync("{");
        await journey.ScreenshotAsync("audit-trail");

        // At 1280 px nothing leaves the card or the window, and the When column reads on one line.
        Assert.False(await Layout.WindowScrollsSidewaysAsync(page), "the window scrolls sideways");
        Assert.False(await Layout.OverflowsAsync(page.Locator("main section.card")), "the audit table overflows its card");
        Assert.Equal(1, await Layout.LinesAsync(refused.Locator("td").First));
    }
}
