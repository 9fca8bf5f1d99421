using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>The IdP allowing 5 link-page requests per client address per minute.</summary>
public sealed class TightLinkLimitFactory : LinkFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("IdentityProvider:LinkRequestsPerAddressPerMinute", "5");
    }
}

public sealed class LinkRateLimitTests(TightLinkLimitFactory factory) : IClassFixture<TightLinkLimitFactory>
{
    [Fact]
    public async Task Guessing_links_from_one_address_is_cut_off_before_it_fills_the_audit_trail()
    {
        using var browser = new LinkBrowser(factory);
        for (var i = 0; i < 5; i++)
        {
            var page = await browser.OpenAsync($"/activate/{new string((char)('A' + i), 43)}");
            Assert.Equal(HttpStatusCode.NotFound, page.Status);
        }

        var limited = await browser.OpenAsync($"/activate/{new string('Z', 43)}");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        var passkey = await browser.Http.PostAsync(new Uri($"/activate/{new string('Z', 43)}/passkey/options", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, passkey.StatusCode);

        await using var db = factory.Database.CreateContext();
        Assert.Equal(5, await db.AuditEntries.CountAsync(a => a.Action == "invitation.refused"));
    }
}
