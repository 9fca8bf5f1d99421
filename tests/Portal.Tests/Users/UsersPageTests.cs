using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.Portal.Tests.Users;

/// <summary>The Users list, the organization switcher, the Owner rule under concurrent edits, and the audit trail.</summary>
[Collection(UsersFixture.Collection)]
public sealed class UsersPageTests(UsersFixture fixture)
{
    [Fact]
    public async Task The_list_pages_filters_and_sorts_on_the_server()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        for (var i = 0; i < 55; i++)
        {
            await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor, i == 0 ? UserState.Suspended : UserState.Active);
        }

        using var browser = await fixture.SignedInAsync(owner);
        var first = await browser.GetStringAsync(new Uri("/users", UriKind.Relative));
        Assert.Contains("56 members", first, StringComparison.Ordinal);
        Assert.Equal(50, CountRows(first));
        Assert.Contains("id=\"next-page\"", first, StringComparison.Ordinal);
        var second = await browser.GetStringAsync(new Uri("/users?p=2", UriKind.Relative));
        Assert.Equal(6, CountRows(second));
        Assert.Contains("id=\"previous-page\"", second, StringComparison.Ordinal);

        var suspended = await browser.GetStringAsync(new Uri("/users?state=Suspended", UriKind.Relative));
        Assert.Equal(1, CountRows(suspended));
        var owners = await browser.GetStringAsync(new Uri("/users?role=Owner", UriKind.Relative));
        Assert.Contains($"data-email=\"{owner.Email}\"", owners, StringComparison.Ordinal);
        Assert.Equal(1, CountRows(owners));
        var search = await browser.GetStringAsync(new Uri($"/users?q={Uri.EscapeDataString(owner.Email![..12])}", UriKind.Relative));
        Assert.Equal(1, CountRows(search));

        var ascending = Emails(first);
        Assert.Equal(ascending.Order(StringComparer.OrdinalIgnoreCase), ascending);
        var descending = Emails(await browser.GetStringAsync(new Uri("/users?sort=EmailDescending", UriKind.Relative)));
        Assert.Equal(descending.OrderDescending(StringComparer.OrdinalIgnoreCase), descending);

        // Nonsense parameters fall back to something valid rather than failing.
        using var odd = await browser.GetAsync(new Uri("/users?p=-4&role=Emperor", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, odd.StatusCode);
    }

    [Fact]
    public async Task Switching_organizations_is_limited_to_ones_own_memberships_and_audited()
    {
        var (first, person) = await fixture.OrganizationAsync();
        var (second, _) = await fixture.OrganizationAsync();
        var (foreign, _) = await fixture.OrganizationAsync();
        await fixture.AddAsync(second.Id, person, MemberRoles.Auditor);
        using var browser = await fixture.SignedInAsync(person);
        var home = await browser.GetStringAsync(new Uri("/", UriKind.Relative));
        // Until the person switches: the organization they joined first, whatever the names.
        var current = first;
        var other = second;
        Assert.Contains($"data-testid=\"current-organization\">{current.Name}<", home, StringComparison.Ordinal);

        using var refused = await UsersFixture.PostAsync(browser, "/organization/switch", new Dictionary<string, string> { ["organizationId"] = foreign.Id.ToString() });
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        using var forged = await browser.PostAsync(new Uri("/organization/switch", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["organizationId"] = other.Id.ToString() }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains($"data-testid=\"current-organization\">{current.Name}<", await browser.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);

        using var switched = await UsersFixture.PostAsync(browser, "/organization/switch",
            new Dictionary<string, string> { ["organizationId"] = other.Id.ToString(), ["returnUrl"] = "https://evil.example/" });
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal("/", switched.Headers.Location!.OriginalString);
        Assert.Contains($"data-testid=\"current-organization\">{other.Name}<", await browser.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.Action == "organization.switched" && a.OrganizationId == other.Id && a.ActorUserId == person.Id)));
        Assert.False(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.OrganizationId == other.Id && a.Details.Contains(current.Id.ToString()))));

        // A return address with a control character is no local address: home instead, no error.
        using var odd = await UsersFixture.PostAsync(browser, "/organization/switch",
            new Dictionary<string, string> { ["organizationId"] = current.Id.ToString(), ["returnUrl"] = "/\tusers" });
        Assert.Equal(HttpStatusCode.Redirect, odd.StatusCode);
        Assert.Equal("/", odd.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Two_owners_demoting_each_other_at_once_leave_one_owner()
    {
        var (organization, first) = await fixture.OrganizationAsync(Core.Organizations.OrganizationKind.Customer);
        var second = await fixture.Members.AddAsync(organization.Id, MemberRoles.Owner);
        using var firstBrowser = await fixture.SignedInAsync(first);
        using var secondBrowser = await fixture.SignedInAsync(second);

        var responses = await Task.WhenAll(
            UsersFixture.PostAsync(firstBrowser, $"/users/{second.Id}?handler=Roles", new Dictionary<string, string> { ["OrganizationRoleInput"] = "Admin" }),
            UsersFixture.PostAsync(secondBrowser, $"/users/{first.Id}?handler=Roles", new Dictionary<string, string> { ["OrganizationRoleInput"] = "Admin" }));

        var owners = await fixture.WithDbAsync(db => db.Memberships.CountAsync(m => m.OrganizationId == organization.Id && m.OrganizationRole == OrganizationRole.Owner));
        Assert.Equal(1, owners);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Redirect);
        // The loser either lost Owner first (403) or hit the last-Owner rule (409): never a second demotion.
        Assert.Contains(responses, r => r.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Forbidden);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task The_audit_trail_shows_this_organization_only_and_exports_defused_csv_for_owners()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        var (other, otherOwner) = await fixture.OrganizationAsync();
        var auditor = await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor);
        var hostile = await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor);
        await fixture.WithDbAsync(async db =>
        {
            db.AuditEntries.Add(new Core.Auditing.AuditEntry
            {
                OccurredAt = DateTimeOffset.UtcNow, Actor = "=HYPERLINK(\"http://evil.example\")", Action = "test.hostile",
                OrganizationId = organization.Id, TargetUserId = hostile.Id, Details = "{\"a\":\"b,c\"}",
            });
            return await db.SaveChangesAsync();
        });

        using var asAuditor = await fixture.SignedInAsync(auditor);
        var page = await asAuditor.GetStringAsync(new Uri("/audit", UriKind.Relative));
        Assert.Contains("test.hostile", page, StringComparison.Ordinal);
        Assert.DoesNotContain(otherOwner.Email!, page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"export-csv\"", page, StringComparison.Ordinal);
        var filtered = await asAuditor.GetStringAsync(new Uri("/audit?action=member.", UriKind.Relative));
        Assert.DoesNotContain("test.hostile", filtered, StringComparison.Ordinal);
        Assert.Contains("member.added", filtered, StringComparison.Ordinal);

        using var asOwner = await fixture.SignedInAsync(owner);
        using var viaGet = await asOwner.GetAsync(new Uri("/audit?handler=Export", UriKind.Relative));
        Assert.NotEqual("text/csv", viaGet.Content.Headers.ContentType?.MediaType);
        using var export = await UsersFixture.PostAsync(asOwner, "/audit?handler=Export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Contains("no-store", export.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal("text/csv", export.Content.Headers.ContentType!.MediaType);
        var csv = await export.Content.ReadAsStringAsync();
        Assert.StartsWith("occurred_at,actor,action,target,client_address,details", csv.TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\"", csv, StringComparison.Ordinal);
        Assert.Contains("\"{\"\"a\"\":\"\"b,c\"\"}\"", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(other.Id.ToString(), csv, StringComparison.Ordinal);
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.Action == "audit.exported" && a.OrganizationId == organization.Id)));
    }

    [Fact]
    public async Task Audit_paging_walks_back_in_time_without_repeats()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        await fixture.WithDbAsync(async db =>
        {
            for (var i = 0; i < 120; i++)
            {
                db.AuditEntries.Add(new Core.Auditing.AuditEntry
                {
                    OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-i), Actor = "paging", Action = $"test.page{i:D3}", OrganizationId = organization.Id,
                });
            }

            return await db.SaveChangesAsync();
        });
        using var browser = await fixture.SignedInAsync(owner);

        var seen = new List<string>();
        var next = "/audit?action=test.page";
        while (next is not null)
        {
            var html = await browser.GetStringAsync(new Uri(System.Net.WebUtility.HtmlDecode(next), UriKind.Relative));
            seen.AddRange(System.Text.RegularExpressions.Regex.Matches(html, @"test\.page\d{3}").Select(m => m.Value));
            var match = System.Text.RegularExpressions.Regex.Match(html, "href=\"([^\"]+)\" id=\"older\"");
            next = match.Success ? match.Groups[1].Value : null;
        }

        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"test.page{i:D3}"), seen);

        // Dates at the ends of the calendar are filters like any other, not errors.
        using var edge = await browser.GetAsync(new Uri("/audit?from=0001-01-01&to=9999-12-31", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, edge.StatusCode);
        using var export = await UsersFixture.PostAsync(browser, "/audit?handler=Export", new Dictionary<string, string> { ["to"] = "9999-12-31" });
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
    }

    private static int CountRows(string html) => System.Text.RegularExpressions.Regex.Count(html, "data-testid=\"user-row\"");

    private static List<string> Emails(string html) =>
        [.. System.Text.RegularExpressions.Regex.Matches(html, "data-email=\"([^\"]+)\"").Select(m => m.Groups[1].Value)];
}
