using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.Organizations;

/// <summary>Create user: Owners of the organization only, anti-forgery checked, invitation and email on success.</summary>
public sealed partial class CreateUserPageTests(RelyingPartyAppFactory<Program> factory) : IClassFixture<RelyingPartyAppFactory<Program>>
{
    private SignedInUsers Users => new(factory.Services);

    [Fact]
    public async Task An_owner_creates_a_user_who_becomes_pending_with_an_activation_email()
    {
        var (browser, _, slug) = await SignedInOwnerAsync();
        using (browser)
        {
            var form = await browser.GetStringAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative));
            Assert.Contains("id=\"invite-form\"", form, StringComparison.Ordinal);
            Assert.DoesNotContain("value=\"Reseller\"", form, StringComparison.Ordinal);
            var email = $"invitee.{Guid.NewGuid():N}@example.com";

            using var response = await PostAsync(browser, slug, form, email, "Admin");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("was added to", html, StringComparison.Ordinal);
            Assert.Contains("id=\"invite-result\"", html, StringComparison.Ordinal);
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
            Assert.Equal(UserState.Pending, user.State);
            var membership = await db.Memberships.AsNoTracking().SingleAsync(m => m.UserId == user.Id);
            Assert.Equal(OrganizationRole.Admin, membership.OrganizationRole);
            Assert.True(await db.Invitations.AnyAsync(i => i.UserId == user.Id && i.UsedAt == null));
            Assert.Contains(Directory.GetFiles(factory.MailDirectory, "*.eml"), f => File.ReadAllText(f).Contains(email, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task Adding_someone_who_already_has_an_account_reads_the_same_as_adding_a_new_person()
    {
        var (browser, _, slug) = await SignedInOwnerAsync();
        var existing = await Users.CreateAsync(UserState.Active);
        using (browser)
        {
            var form = await browser.GetStringAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative));
            var email = $"invitee.{Guid.NewGuid():N}@example.com";
            using var added = await PostAsync(browser, slug, form, existing.Email!, "Auditor");
            using var invited = await PostAsync(browser, slug, form, email, "Auditor");

            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            Assert.Equal(
                ResultBanner(await invited.Content.ReadAsStringAsync()).Replace(email, "ADDRESS", StringComparison.Ordinal),
                ResultBanner(await added.Content.ReadAsStringAsync()).Replace(existing.Email!, "ADDRESS", StringComparison.Ordinal));
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            Assert.Equal(2, await db.Memberships.CountAsync(m => m.UserId == existing.Id));
            Assert.Equal(UserState.Active, (await db.Users.AsNoTracking().SingleAsync(u => u.Id == existing.Id)).State);
        }
    }

    [Fact]
    public async Task An_owner_in_demo_mode_is_told_to_register_a_passkey_first_and_creates_nobody()
    {
        var user = await Users.CreateAsync(UserState.ActiveDemo);
        var session = await Users.StartSessionAsync(user);
        using var browser = factory.CreateBrowser();
        using (await factory.SignInAsync(browser, IdentityClaims.For(user.Id, user.Email!, session.Id)))
        {
        }

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var slug = await db.Memberships.Where(m => m.UserId == user.Id).Select(m => m.Organization.Slug).SingleAsync();
        var home = await browser.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("id=\"demo-mode\"", home, StringComparison.Ordinal);
        Assert.Contains("http://localhost:5000/signin/create-passkey", home, StringComparison.Ordinal);
        Assert.DoesNotContain("create-user-", home, StringComparison.Ordinal);

        using var page = await browser.GetAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("register a passkey on your security key before you create users", html, StringComparison.Ordinal);
        var email = $"invitee.{Guid.NewGuid():N}@example.com";
        using var post = await PostAsync(browser, slug, await (await browser.GetAsync(new Uri("/", UriKind.Relative))).Content.ReadAsStringAsync(), email, "Auditor");
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.False(await db.Users.AnyAsync(u => u.Email == email));
    }

    [Fact]
    public async Task A_role_the_organization_does_not_offer_and_a_bad_address_are_refused_and_change_nothing()
    {
        var (browser, _, slug) = await SignedInOwnerAsync();
        using (browser)
        {
            var form = await browser.GetStringAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative));
            var email = $"invitee.{Guid.NewGuid():N}@example.com";

            using var reseller = await PostAsync(browser, slug, form, email, "Reseller");
            Assert.Equal(HttpStatusCode.BadRequest, reseller.StatusCode);
            using var malformed = await PostAsync(browser, slug, form, "not an address", "Auditor");
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Contains("id=\"invite-error\"", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            Assert.False(await db.Users.AnyAsync(u => u.Email == email || u.Email == "not an address"));
        }
    }

    [Fact]
    public async Task Another_organizations_page_and_a_non_owner_get_404_and_a_post_without_anti_forgery_token_is_refused()
    {
        var (owner, _, slug) = await SignedInOwnerAsync();
        var (other, _, otherSlug) = await SignedInOwnerAsync();
        using (owner)
        using (other)
        {
            using var foreign = await owner.GetAsync(new Uri($"/organizations/{otherSlug}/members/new", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
            using var unknown = await owner.GetAsync(new Uri("/organizations/no-such-org/members/new", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

            var form = await owner.GetStringAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative));
            var email = $"invitee.{Guid.NewGuid():N}@example.com";
            using var foreignPost = await PostAsync(owner, otherSlug, form, email, "Auditor");
            Assert.Equal(HttpStatusCode.NotFound, foreignPost.StatusCode);
            using var forged = await owner.PostAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = email, ["Role"] = "Auditor" }));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

            // An Admin of the organization may view it but not create users.
            var admin = await AddMemberAsync(slug, MemberRoles.Admin);
            using var adminBrowser = factory.CreateBrowser();
            var session = await Users.StartSessionAsync(admin);
            using (await factory.SignInAsync(adminBrowser, IdentityClaims.For(admin.Id, admin.Email!, session.Id)))
            {
            }

            using var asAdmin = await adminBrowser.GetAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, asAdmin.StatusCode);
            var home = await adminBrowser.GetStringAsync(new Uri("/", UriKind.Relative));
            Assert.DoesNotContain("create-user-", home, StringComparison.Ordinal);

            await using var scope = factory.Services.CreateAsyncScope();
            Assert.False(await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Users.AnyAsync(u => u.Email == email));
        }
    }

    private async Task<(HttpClient Browser, User User, string Slug)> SignedInOwnerAsync()
    {
        var user = await Users.CreateAsync(UserState.Active);
        var session = await Users.StartSessionAsync(user);
        var browser = factory.CreateBrowser();
        using (await factory.SignInAsync(browser, IdentityClaims.For(user.Id, user.Email!, session.Id)))
        {
        }

        await using var scope = factory.Services.CreateAsyncScope();
        var slug = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Memberships
            .Where(m => m.UserId == user.Id).Select(m => m.Organization.Slug).SingleAsync();
        var home = await browser.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains($"data-testid=\"create-user-{slug}\"", home, StringComparison.Ordinal);
        return (browser, user, slug);
    }

    private async Task<User> AddMemberAsync(string slug, MemberRoles roles)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var organization = await db.Organizations.SingleAsync(o => o.Slug == slug);
        var added = await scope.ServiceProvider.GetRequiredService<MembershipService>()
            .AddMemberAsync(AuditActor.System, organization.Id, $"member.{Guid.NewGuid():N}@example.com", roles);
        var user = await db.Users.SingleAsync(u => u.Id == added.User.Id);
        user.TransitionTo(UserState.Active, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync();
        return user;
    }

    private static string ResultBanner(string html)
    {
        var match = ResultPattern().Match(html);
        Assert.True(match.Success, "The page shows no result.");
        return match.Value;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient browser, string slug, string formHtml, string email, string role) =>
        browser.PostAsync(new Uri($"/organizations/{slug}/members/new", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Role"] = role,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(AntiforgeryPattern().Match(formHtml).Groups[1].Value),
        }));

    [GeneratedRegex("<div class=\"banner success\"[^>]*id=\"invite-result\">[\\s\\S]*?</div>")]
    private static partial Regex ResultPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryPattern();
}
