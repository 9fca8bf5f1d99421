using KeyPortal.Core.Auditing;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Resets;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>An invited person: their address, the invitation and the link from their email.</summary>
public sealed record Invitee(string Email, InvitationResult Invited, Uri Link);

/// <summary>The identity provider delivering its email over SMTP to a real server the tests read.</summary>
public class LinkFactory : IdpFactory
{
    public static readonly Uri LinkBase = new(Issuer);

    public Mailbox Mailbox { get; } = new();

    /// <summary>An Owner of Contoso invites <paramref name="email"/> through the Core operation the Portal uses.</summary>
    public Task<InvitationResult> InviteToContosoAsync(string email, MemberRoles? roles = null) =>
        WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<InvitationService>()
                .InviteAsync(owner, contoso, email, roles ?? MemberRoles.Auditor, LinkBase);
        });

    /// <summary>A new person invited to Contoso, and the activation link from their email.</summary>
    public async Task<Invitee> InviteNewPersonAsync()
    {
        var email = $"new-{Guid.NewGuid():N}@contoso.example";
        var invited = await InviteToContosoAsync(email);
        return new Invitee(email, invited, (await Mailbox.NextAsync(email, "Activate")).Link("http://localhost/activate/"));
    }

    /// <summary>Opens <paramref name="link"/>, asks for a code and returns the emailed code.</summary>
    public async Task<string> RequestCodeAsync(LinkBrowser browser, string email, Uri link)
    {
        ArgumentNullException.ThrowIfNull(browser);
        await browser.OpenAsync(link);
        await browser.SubmitAsync("SendCode");
        return (await Mailbox.NextAsync(email, "code")).Code();
    }

    /// <summary>Opens <paramref name="link"/> and confirms the emailed code: the browser is on the passkey step.</summary>
    public async Task ConfirmCodeAsync(LinkBrowser browser, string email, Uri link)
    {
        var code = await RequestCodeAsync(browser, email, link);
        await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });
    }

    public Task<InvitationResult> ResendAsync(Guid userId) =>
        WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<InvitationService>().ResendAsync(owner, contoso, userId, LinkBase);
        });

    public Task<ResetSent> ResetUserAsync(string email) =>
        WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<AccountResetService>().ResetUserAsync(owner, await UserIdAsync(services, email), contoso, LinkBase);
        });

    public Task<ResetSent> ResetPasswordAsync(string email) =>
        WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<AccountResetService>().ResetPasswordAsync(owner, await UserIdAsync(services, email), contoso, LinkBase);
        });

    /// <summary>An operator creates a new organization with its first Owner.</summary>
    public Task<OrganizationOnboarded> OnboardAsync(string slug, string ownerEmail) =>
        WithScopeAsync(async services =>
        {
            var db = services.GetRequiredService<Core.Persistence.PortalDbContext>();
            var op = await db.Users.AsNoTracking().SingleAsync(u => u.Email == "operator@keyportal.example");
            return await services.GetRequiredService<OrganizationOnboarding>().CreateWithFirstOwnerAsync(
                AuditActor.ForUser(op, "127.0.0.1"), $"Org {slug}", slug, OrganizationKind.Customer, ownerEmail, LinkBase);
        });

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in Mailbox.Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("IdentityProvider:LinkRequestsPerAddressPerMinute", "100000");
        // Tests open many links, refused ones too, from one address; the limits are tested on their own.
        builder.UseSetting("IdentityProvider:RefusedLinksPerAddressPerMinute", "100000");
        builder.UseSetting("IdentityProvider:LinkRequestsPerLinkPerMinute", "100000");
        ConfigureLimits(builder);
    }

    /// <summary>Where a factory testing the limits puts them back.</summary>
    protected virtual void ConfigureLimits(IWebHostBuilder builder)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Mailbox.Dispose();
        }
    }

    private async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private static async Task<(AuditActor Owner, Guid Contoso)> OwnerOfContosoAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<Core.Persistence.PortalDbContext>();
        var owner = await db.Users.AsNoTracking().SingleAsync(u => u.Email == "owner@contoso.example");
        var contoso = await db.Organizations.Where(o => o.Slug == "contoso").Select(o => o.Id).SingleAsync();
        return (AuditActor.ForUser(owner, "127.0.0.1"), contoso);
    }

    private static Task<Guid> UserIdAsync(IServiceProvider services, string email) =>
        services.GetRequiredService<Core.Persistence.PortalDbContext>().Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
}
