using System.Net;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>The IdP allowing 5 link-page requests per client address per minute.</summary>
public sealed class LinkRateLimitTests
{
    [Fact]
    public async Task Guessing_links_from_one_address_is_cut_off_before_it_fills_the_audit_trail()
    {
        await using var host = await IdpHost.StartAsync(o => o.Setting("IdentityProvider:LinkRequestsPerAddressPerMinute", "5"));
        using var browser = new LinkBrowser(host);
        for (var i = 0; i < 5; i++)
        {
            var page = await browser.OpenAsync($"/activate/{new string((char)('A' + i), 43)}");
            Assert.Equal(HttpStatusCode.NotFound, page.Status);
        }

        var limited = await browser.OpenAsync($"/activate/{new string('Z', 43)}");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        var passkey = await browser.Http.PostAsync(new Uri($"/activate/{new string('Z', 43)}/passkey/options", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, passkey.StatusCode);

        await using var db = host.Database.CreateContext();
        Assert.Equal(5, await db.AuditEntries.CountAsync(a => a.Action == "invitation.refused"));
    }
}

/// <summary>The IdP with the deployed link limits (every test request comes from one address, like an office).</summary>
public sealed class OfficeOnboardingLimitTests(ClassHost own) : IClassFixture<ClassHost>
{
    private Task<IdpHost> StartAsync() => own.StartOnceAsync(o => o
        .Setting("IdentityProvider:LinkRequestsPerAddressPerMinute", "600")
        .Setting("IdentityProvider:RefusedLinksPerAddressPerMinute", "30")
        .Setting("IdentityProvider:LinkRequestsPerLinkPerMinute", "30")
        .PeerAddressFromHeader());

    [Fact]
    public async Task Forty_people_behind_one_address_open_their_links_and_ask_for_codes_in_the_same_minute()
    {
        var host = await StartAsync();
        var invitees = new List<Invitee>();
        for (var i = 0; i < 40; i++)
        {
            invitees.Add(await host.InviteNewPersonAsync());
        }

        foreach (var invitee in invitees)
        {
            using var browser = new LinkBrowser(host);
            var page = await browser.OpenAsync(invitee.Link);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            var sent = await browser.SubmitAsync("SendCode");
            Assert.NotEqual(HttpStatusCode.TooManyRequests, sent.Status);
        }
    }

    [Fact]
    public async Task One_link_has_its_own_budget()
    {
        var host = await StartAsync();
        var invitee = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync(invitee.Link)).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.OpenAsync(invitee.Link)).Status);

        // Somebody else's link from the same address still opens.
        var other = await host.InviteNewPersonAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync(other.Link)).Status);
    }

    [Fact]
    public async Task Guessing_links_is_cut_off_after_thirty_refusals_without_filling_the_audit_trail()
    {
        var host = await StartAsync();
        int before;
        await using (var db = host.Database.CreateContext())
        {
            before = await db.AuditEntries.CountAsync(a => a.Action == "invitation.refused");
        }

        using var browser = new LinkBrowser(host);
        // A guesser of its own: the office's address keeps working for everybody else.
        browser.Http.DefaultRequestHeaders.Add(PeerAddress.Header, "203.0.113.77");
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.OpenAsync($"/activate/guess{i:D2}{new string('A', 37)}")).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.OpenAsync($"/activate/{new string('Z', 43)}")).Status);
        await using (var db = host.Database.CreateContext())
        {
            Assert.Equal(before + 30, await db.AuditEntries.CountAsync(a => a.Action == "invitation.refused"));
        }

        // Live links still open, from the office and even from the guesser's own address.
        var invitee = await host.InviteNewPersonAsync();
        using var colleague = new LinkBrowser(host);
        Assert.Equal(HttpStatusCode.OK, (await colleague.OpenAsync(invitee.Link)).Status);
        var neighbour = await host.InviteNewPersonAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync(neighbour.Link)).Status);
    }
}
