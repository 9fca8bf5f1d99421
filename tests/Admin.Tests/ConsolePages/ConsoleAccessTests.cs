using System.Net;
using KeyPortal.Admin.Tests.PurchaseOrders;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.ConsolePages;

/// <summary>
/// Every page of the vendor's staff, read or posted to by somebody who is not an operator (an
/// Owner, whose sign-in the console refused): sent to sign in again, shown nothing, nothing changed.
/// </summary>
[Collection(AdminApp.Collection)]
public sealed class ConsoleAccessTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ConsoleDeliveries _console = new(factory);

    [Fact]
    public async Task An_owner_gets_none_of_the_console_pages_and_changes_nothing_through_them()
    {
        var organization = await _console.OrganizationAsync();
        var owner = await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var victim = await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Admin);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(owner);
        using var browser = factory.CreateBrowser();
        using (var callback = await factory.SignInAsync(browser, SignedInUsers.ClaimsOf(owner, session)))
        {
            Assert.Equal(KeyPortal.Hosting.RelyingPartyPaths.AccessDenied, callback.Headers.Location!.OriginalString);
        }

        var before = await CountsAsync();
        string[] pages = ["/users", $"/users/{victim.Id}", $"/users?email={victim.Email}", "/audit", $"/audit?organization={organization.Slug}", $"/organizations/{organization.Id}"];
        foreach (var path in pages)
        {
            using var response = await browser.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{path}: {response.StatusCode}");
            Assert.StartsWith("http://localhost:5000/connect/authorize?", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
            Assert.DoesNotContain(victim.Email!, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        (string Path, Dictionary<string, string> Fields)[] posts =
        [
            ($"/users/{victim.Id}?handler=Suspend", new() { ["Reason"] = "takeover" }),
            ($"/users/{victim.Id}?handler=Reset", []),
            ($"/organizations/{organization.Id}?handler=AppointOwner", new() { ["OwnerEmail"] = "eve@example.com", ["Reason"] = "takeover" }),
            ($"/organizations/{organization.Id}?handler=AddMember", new() { ["MemberEmail"] = "eve@example.com", ["MemberRoleNames"] = "Owner" }),
            ($"/organizations/{organization.Id}?handler=Kinds", new() { ["Kinds"] = "Reseller" }),
            ("/audit?handler=Export", []),
        ];
        foreach (var (path, fields) in posts)
        {
            using var response = await browser.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));
            // Refused by the anti-forgery check, or sent to sign in: never to the page's notice.
            Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"{path}: {response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.Redirect)
            {
                Assert.StartsWith("http://localhost:5000/connect/authorize?", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(victim.Email!, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await CountsAsync());
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.Equal(UserState.Active, await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Users.Where(u => u.Id == victim.Id).Select(u => u.State).SingleAsync());
    }

    private async Task<(int Memberships, int Users, int Audit, int Invitations)> CountsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return (await db.Memberships.CountAsync(), await db.Users.CountAsync(), await db.AuditEntries.CountAsync(), await db.Invitations.CountAsync());
    }
}
