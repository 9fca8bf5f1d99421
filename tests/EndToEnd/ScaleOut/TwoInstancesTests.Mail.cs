using System.Net;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Mail;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.ScaleOut;

// The outbox across real processes: a mail server that is down delays mail and fails nothing,
// and senders killed in the middle of a delivery lose no email and repeat only what the server
// had accepted without their hearing so.
public sealed partial class TwoInstancesTests
{
    [Fact]
    public async Task While_the_mail_server_is_down_the_persons_action_succeeds_and_the_email_arrives_once_it_is_back()
    {
        var email = $"invitee-{Guid.NewGuid():N}@contoso.example";
        await InviteAsync(email);
        var link = (await apps.Mailbox.NextAsync(email, "")).Link(apps.IdP.AbsoluteUri).AbsolutePath;
        var before = await LastOutboxIdAsync();

        apps.MailServer.Set(SmtpRelayMode.Down);
        try
        {
            using var browser = new Browser();
            using (var sent = await browser.PostAsync(B, $"{link}?handler=SendCode", await FormAsync(browser, A, link, [])))
            {
                Assert.True(sent.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"code request: {sent.StatusCode}");
            }

            // A sender tried, failed, and keeps the email for later; nothing reached the mailbox.
            // A try counts when it is claimed, before its connection is refused: both are awaited.
            await Eventually.HoldsAsync(
                async () => apps.MailServer.Refused >= 2
                    && await OutboxAfterAsync(before) is [{ Attempts: >= 2, SentAt: null, LastError: not null }],
                "the sender has tried twice and the server refused both", TimeSpan.FromSeconds(30));
            Assert.Equal(1, apps.Mailbox.CountTo(email));
        }
        finally
        {
            apps.MailServer.Set(SmtpRelayMode.Forward);
        }

        // Back: the code arrives once, and it works.
        var code = (await apps.Mailbox.NextAsync(email, "code", TimeSpan.FromSeconds(30))).Code();
        // The server has it before the sender marks it sent.
        await Eventually.HoldsAsync(async () => await OutboxAfterAsync(before) is [{ SentAt: not null, Payload: null }], "the email is marked sent");
        using var person = new Browser();
        using var verified = await person.PostAsync(A, $"{link}?handler=Code", await FormAsync(person, A, link, new() { ["Code"] = code }));
        Assert.True(verified.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"code entry: {verified.StatusCode}");
        Assert.Equal(2, apps.Mailbox.CountTo(email));
    }

    [Fact]
    public async Task Senders_killed_during_delivery_lose_no_email_and_repeat_only_those_the_server_had_accepted()
    {
        var before = await LastOutboxIdAsync();
        var committed = await CommittedIdsAsync();
        var recipients = Enumerable.Range(0, 12).Select(i => $"killed-{i}-{Guid.NewGuid():N}@contoso.example").ToList();

        // The server takes each message but its "250 OK" never reaches the sender: every sender
        // that starts a delivery now hangs right after the point where its message counts as given.
        apps.MailServer.Set(SmtpRelayMode.WithholdAcceptance);
        try
        {
            foreach (var recipient in recipients)
            {
                await InviteAsync(recipient);
            }

            await Eventually.HoldsAsync(() => apps.MailServer.Withheld >= 1, "a sender is in the middle of a delivery", TimeSpan.FromSeconds(30));
            await Task.WhenAll(ScaleOutApps.IdPInstancePorts.Concat(ScaleOutApps.PortalInstancePorts).Select(apps.KillAsync));
        }
        finally
        {
            apps.MailServer.Set(SmtpRelayMode.Forward);
        }

        // Every sender is dead: no acceptance can be withheld any more.
        var withheld = apps.MailServer.Withheld;
        await Task.WhenAll(
            apps.StartInstanceAsync("IdP", ScaleOutApps.IdPInstancePorts[0]), apps.StartInstanceAsync("IdP", ScaleOutApps.IdPInstancePorts[1]),
            apps.StartInstanceAsync("Portal", ScaleOutApps.PortalInstancePorts[0]), apps.StartInstanceAsync("Portal", ScaleOutApps.PortalInstancePorts[1]));

        // The restarted senders take the dead ones' claims once their leases end.
        await Eventually.HoldsAsync(async () => (await OutboxAfterAsync(before)).All(m => m.SentAt is not null),
            "every queued email is sent", TimeSpan.FromSeconds(90));
        var rows = await OutboxAfterAsync(before);
        Assert.Equal(recipients.Count, rows.Count);
        await Eventually.HoldsAsync(() => recipients.Sum(apps.Mailbox.CountTo) == recipients.Count + withheld,
            $"the mailbox has {recipients.Count} emails and {withheld} second copies", TimeSpan.FromSeconds(10));

        // Each email arrived; those whose acceptance was lost arrived twice, as the same message.
        var copies = recipients.ToDictionary(r => r, r => apps.Mailbox.All.Where(e => string.Equals(e.To, r, StringComparison.OrdinalIgnoreCase)).ToList());
        Assert.All(copies.Values, c => Assert.InRange(c.Count, 1, 2));
        Assert.Equal(withheld, copies.Values.Count(c => c.Count == 2));
        Assert.All(copies.Values.Where(c => c.Count == 2), c => Assert.Equal(c[0].MessageId, c[1].MessageId));
        Assert.True(rows.Count(m => m.Attempts >= 2) >= withheld, "the repeated emails were claimed again");

        // Nothing the killed processes had committed is lost.
        var after = await CommittedIdsAsync();
        foreach (var (table, ids) in committed)
        {
            Assert.Empty(ids.Except(after[table]));
        }
    }

    private async Task InviteAsync(string email)
    {
        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var owner = await db.Users.AsNoTracking().SingleAsync(u => u.Email == "owner@contoso.example");
        var contoso = await db.Organizations.Where(o => o.Slug == "contoso").Select(o => o.Id).SingleAsync();
        // Queued in this process's transaction; one of the instances' senders delivers it.
        await scope.ServiceProvider.GetRequiredService<InvitationService>()
            .InviteAsync(AuditActor.ForUser(owner, "127.0.0.1"), contoso, email, MemberRoles.Auditor, apps.IdP);
    }

    private async Task<long> LastOutboxIdAsync()
    {
        await using var scope = apps.CoreServices();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Set<OutboxMessage>().MaxAsync(m => (long?)m.Id) ?? 0;
    }

    private async Task<List<OutboxMessage>> OutboxAfterAsync(long id)
    {
        await using var scope = apps.CoreServices();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.Id > id).OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>The ids of what people's actions committed: audit entries, invitations, memberships and outbox rows.</summary>
    private async Task<Dictionary<string, HashSet<string>>> CommittedIdsAsync()
    {
        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return new(StringComparer.Ordinal)
        {
            ["audit"] = [.. (await db.AuditEntries.Select(a => a.Id).ToListAsync()).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            ["invitations"] = [.. (await db.Invitations.Select(i => i.Id).ToListAsync()).Select(i => i.ToString())],
            ["memberships"] = [.. (await db.Memberships.Select(m => m.Id).ToListAsync()).Select(i => i.ToString())],
            ["outbox"] = [.. (await db.Set<OutboxMessage>().Select(m => m.Id).ToListAsync()).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))],
        };
    }
}
