using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.Organizations;

/// <summary>Operators onboard an organization with its first Owner; bad input changes nothing.</summary>
[Collection(AdminApp.Collection)]
public sealed partial class OnboardingPageTests(RelyingPartyAppFactory<Program> factory)
{
    [Fact]
    public async Task An_operator_creates_an_organization_whose_first_owner_is_invited_with_the_onboarding_link()
    {
        using var browser = await SignedInOperatorAsync();
        var slug = $"acme-{Guid.NewGuid():N}"[..20];
        var owner = $"founder.{Guid.NewGuid():N}@example.com";

        using var response = await PostAsync(browser, new Dictionary<string, string>
        {
            ["Name"] = "Acme Keys", ["Slug"] = slug, ["Kinds"] = "Customer", ["OwnerEmail"] = owner,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"onboard-result\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var organization = await db.Organizations.SingleAsync(o => o.Slug == slug);
        var membership = await db.Memberships.Include(m => m.User).SingleAsync(m => m.OrganizationId == organization.Id);
        Assert.Equal(OrganizationRole.Owner, membership.OrganizationRole);
        Assert.Equal(owner, membership.User.Email);
        Assert.Equal(UserState.Pending, membership.User.State);
        Assert.True(await db.Invitations.AnyAsync(i => i.UserId == membership.UserId && i.IsOnboarding && i.UsedAt == null));
        await KeyPortal.TestSupport.Eventually.HoldsAsync(
            () => Directory.Exists(factory.MailDirectory) && Directory.GetFiles(factory.MailDirectory, "*.eml").Any(f => File.ReadAllText(f).Contains(owner, StringComparison.OrdinalIgnoreCase)),
            "the outbox's sender has written the email");

        var list = await browser.GetStringAsync(new Uri($"/organizations?q={slug}", UriKind.Relative));
        Assert.Contains($"data-slug=\"{slug}\"", list, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Acme", "Not A Slug", "Customer", "someone@example.com")]
    [InlineData("", "valid-slug-x", "Customer", "someone@example.com")]
    [InlineData("Acme", "valid-slug-y", "", "someone@example.com")]
    [InlineData("Acme", "valid-slug-z", "Customer", "not an address")]
    [InlineData("Acme", "valid-slug-w", "Customer", "")]
    public async Task Bad_input_is_refused_with_a_message_and_creates_nothing(string name, string slug, string kinds, string owner)
    {
        using var browser = await SignedInOperatorAsync();
        var before = await CountsAsync();

        using var response = await PostAsync(browser, new Dictionary<string, string>
        {
            ["Name"] = name, ["Slug"] = slug, ["Kinds"] = kinds, ["OwnerEmail"] = owner,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"onboard-error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_taken_short_name_is_refused_and_the_owner_is_not_created()
    {
        using var browser = await SignedInOperatorAsync();
        var slug = $"taken-{Guid.NewGuid():N}"[..20];
        using (await PostAsync(browser, new Dictionary<string, string> { ["Name"] = "First", ["Slug"] = slug, ["Kinds"] = "Customer", ["OwnerEmail"] = $"a.{Guid.NewGuid():N}@example.com" }))
        {
        }

        var second = $"b.{Guid.NewGuid():N}@example.com";
        using var response = await PostAsync(browser, new Dictionary<string, string> { ["Name"] = "Second", ["Slug"] = slug, ["Kinds"] = "Customer", ["OwnerEmail"] = second });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Users.AnyAsync(u => u.Email == second));
    }

    [Fact]
    public async Task Without_the_anti_forgery_token_nothing_is_created()
    {
        using var browser = await SignedInOperatorAsync();
        var slug = $"csrf-{Guid.NewGuid():N}"[..20];
        using var response = await browser.PostAsync(new Uri("/organizations/new", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Name"] = "Forged", ["Slug"] = slug, ["Kinds"] = "Customer", ["OwnerEmail"] = "x@example.com",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Organizations.AnyAsync(o => o.Slug == slug));
    }

    [Fact]
    public async Task A_sign_in_older_than_the_window_must_be_confirmed_before_onboarding()
    {
        using var browser = await SignedInOperatorAsync(authenticatedAt: DateTimeOffset.UtcNow.AddMinutes(-11));
        var slug = $"stale-{Guid.NewGuid():N}"[..20];

        var page = await browser.GetStringAsync(new Uri("/organizations/new", UriKind.Relative));
        Assert.Contains("id=\"confirm-signin\"", page, StringComparison.Ordinal);
        using var response = await PostAsync(browser, new Dictionary<string, string>
        {
            ["Name"] = "Stale", ["Slug"] = slug, ["Kinds"] = "Customer", ["OwnerEmail"] = $"s.{Guid.NewGuid():N}@example.com",
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            Assert.False(await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Organizations.AnyAsync(o => o.Slug == slug));
        }

        // "Confirm it's you" is a new sign-in at the IdP, coming back to the form.
        using var confirm = await browser.GetAsync(new Uri("/signin/confirm?returnUrl=%2Forganizations%2Fnew", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, confirm.StatusCode);
        var authorize = confirm.Headers.Location!.AbsoluteUri;
        Assert.StartsWith("http://localhost:5000/connect/authorize?", authorize, StringComparison.Ordinal);
        Assert.Contains("prompt=login", authorize, StringComparison.Ordinal);
    }

    private async Task<HttpClient> SignedInOperatorAsync(DateTimeOffset? authenticatedAt = null)
    {
        var users = new SignedInUsers(factory.Services);
        var user = await Members.In(factory.Services).AddWithoutOrganizationAsync(isOperator: true);
        var session = await users.StartSessionAsync(user);
        var browser = factory.CreateBrowser();
        using var signedIn = await factory.SignInAsync(browser, IdentityClaims.For(user.Id, user.Email!, session.Id) with { AuthenticatedAt = authenticatedAt });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient browser, Dictionary<string, string> fields)
    {
        var form = await browser.GetStringAsync(new Uri("/organizations/new", UriKind.Relative));
        fields["__RequestVerificationToken"] = HtmlForms.AntiforgeryToken(form);
        return await browser.PostAsync(new Uri("/organizations/new", UriKind.Relative), new FormUrlEncodedContent(fields));
    }

    private async Task<(int Organizations, int Users, int Invitations)> CountsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return (await db.Organizations.CountAsync(), await db.Users.CountAsync(), await db.Invitations.CountAsync());
    }
}
