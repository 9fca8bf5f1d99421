using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using KeyPortal.Admin.Tests.PurchaseOrders;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.ConsolePages;

/// <summary>The platform's audit trail in the console: filters, position paging, CSV export (itself audited), bad filters.</summary>
[Collection(AdminApp.Collection)]
public sealed partial class AuditPageTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ConsoleDeliveries _console = new(factory);

    [Fact]
    public async Task Filters_keep_one_organizations_entries_and_pages_go_back_in_time_without_overlap()
    {
        var organization = await _console.OrganizationAsync();
        var other = await _console.OrganizationAsync();
        for (var i = 0; i < 55; i++)
        {
            await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Auditor);
        }

        var outsider = await Members.In(factory.Services).AddAsync(other.Id, MemberRoles.Auditor);
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var first = await browser.GetStringAsync(new Uri($"/audit?organization={organization.Slug}&action=member.added", UriKind.Relative));
            var next = WebUtility.HtmlDecode(NextPagePattern().Match(first).Groups[1].Value);
            var second = await browser.GetStringAsync(new Uri(next, UriKind.Relative));

            Assert.Equal(50, RowPattern().Count(first));
            Assert.Equal(5, RowPattern().Count(second));
            Assert.All(RowPattern().Matches(first + second), m => Assert.Equal("member.added", m.Groups[1].Value));
            Assert.DoesNotContain(outsider.Email!, first + second, StringComparison.Ordinal);

            var target = await browser.GetStringAsync(new Uri($"/audit?target={Uri.EscapeDataString(outsider.Email!)}", UriKind.Relative));
            Assert.Contains(outsider.Email!, target, StringComparison.Ordinal);
            Assert.DoesNotContain($">{organization.Slug}<", target, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("organization=no-such-organization-here")]
    [InlineData("target=nobody-at-all%40example.invalid")]
    [InlineData("from=2026-05-02&to=2026-05-01")]
    [InlineData("from=yesterday")]
    [InlineData("before=not-a-position")]
    public async Task A_bad_filter_is_refused_with_a_message(string query)
    {
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            using var response = await browser.GetAsync(new Uri($"/audit?{query}", UriKind.Relative));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("id=\"audit-error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_csv_export_holds_the_filtered_entries_with_formulas_defused_and_is_itself_audited()
    {
        var organization = await _console.OrganizationAsync();
        await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner, email: $"=cmd.{Guid.NewGuid():N}@example.com");
        var (browser, @operator) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            using var response = await ConsoleDeliveries.PostFormAsync(browser, "/audit", "/audit?handler=Export", [new("organization", organization.Slug)]);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
            var csv = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
            var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("Id,When (UTC),Actor,Organization,Target,Action,Details,Client address", lines[0], StringComparison.Ordinal);
            Assert.Contains(lines, l => l.Contains("member.added", StringComparison.Ordinal));
            Assert.All(lines.Skip(1), l => Assert.Contains(organization.Slug, l, StringComparison.Ordinal));
            Assert.True(lines.Any(l => l.Contains(",\"'=cmd.", StringComparison.Ordinal)), csv);

            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.AuditExported && a.Actor == @operator.Email && a.OrganizationId == organization.Id));
        }
    }

    [Fact]
    public async Task The_export_without_the_anti_forgery_token_is_refused_and_unaudited()
    {
        var (browser, @operator) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            using var response = await browser.PostAsync(new Uri("/audit?handler=Export", UriKind.Relative), new FormUrlEncodedContent([]));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            await using var scope = factory.Services.CreateAsyncScope();
            Assert.False(await scope.ServiceProvider.GetRequiredService<PortalDbContext>().AuditEntries.AnyAsync(a => a.Action == AuditActions.AuditExported && a.Actor == @operator.Email));
        }
    }

    [GeneratedRegex("href=\"([^\"]+)\" id=\"next-page\"")]
    private static partial Regex NextPagePattern();

    [GeneratedRegex("data-testid=\"audit-row\" data-action=\"([^\"]+)\"")]
    private static partial Regex RowPattern();
}
