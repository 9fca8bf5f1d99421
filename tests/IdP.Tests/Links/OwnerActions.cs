using KeyPortal.Core.Auditing;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Resets;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>An invited person: their address, the invitation and the link from their email.</summary>
public sealed record Invitee(string Email, InvitationResult Invited, Uri Link);

/// <summary>
/// What the Owner of Contoso (or an operator) does in the Portal or console that starts a link
/// journey, through the Core operations those apps use, and the first steps of the person's browser.
/// </summary>
public static class OwnerActions
{
    /// <summary>An Owner of Contoso invites <paramref name="email"/> through the Core operation the Portal uses.</summary>
    public static Task<InvitationResult> InviteToContosoAsync(this IdpHost host, string email, MemberRoles? roles = null) =>
        host.WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<InvitationService>()
                .InviteAsync(owner, contoso, email, roles ?? MemberRoles.Auditor, IdpHost.LinkBase);
        });

    /// <summary>A new person invited to Contoso, and the activation link from their email.</summary>
    public static async Task<Invitee> InviteNewPersonAsync(this IdpHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var email = $"new-{Guid.NewGuid():N}@contoso.example";
        var invited = await host.InviteToContosoAsync(email);
        return new Invitee(email, invited, (await host.Mailbox.NextAsync(email, "Activate")).Link("http://localhost/activate/"));
    }

    /// <summary>Opens <paramref name="link"/>, asks for a code and returns the emailed code.</summary>
    public static async Task<string> RequestCodeAsync(this IdpHost host, LinkBrowser browser, string email, Uri link)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(browser);
        await browser.OpenAsync(link);
        await browser.SubmitAsync("SendCode");
        return (await host.Mailbox.NextAsync(email, "code")).Code();
    }

    /// <summary>Opens <paramref name="link"/> and confirms the emailed code: the browser is on the passkey step.</summary>
    public static async Task ConfirmCodeAsync(this IdpHost host, LinkBrowser browser, string email, Uri link)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var code = await host.RequestCodeAsync(browser, email, link);
        await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });
    }

    public static Task<InvitationResult> ResendAsync(this IdpHost host, Guid userId) =>
        host.WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<InvitationService>().ResendAsync(owner, contoso, userId, IdpHost.LinkBase);
        });

    public static Task<ResetSent> ResetUserAsync(this IdpHost host, string email) =>
        host.WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<AccountResetService>().ResetUserAsync(owner, await UserIdAsync(services, email), contoso, IdpHost.LinkBase);
        });

    public static Task<ResetSent> ResetPasswordAsync(this IdpHost host, string email) =>
        host.WithScopeAsync(async services =>
        {
            var (owner, contoso) = await OwnerOfContosoAsync(services);
            return await services.GetRequiredService<AccountResetService>().ResetPasswordAsync(owner, await UserIdAsync(services, email), contoso, IdpHost.LinkBase);
        });

    /// <summary>An operator creates a new organization with its first Owner.</summary>
    public static Task<OrganizationOnboarded> OnboardAsync(this IdpHost host, string slug, string ownerEmail) =>
        host.WithScopeAsync(async services =>
        {
            var db = services.GetRequiredService<Core.Persistence.PortalDbContext>();
            var op = await db.Users.AsNoTracking().SingleAsync(u => u.Email == "operator@keyportal.example");
            return await services.GetRequiredService<OrganizationOnboarding>().CreateWithFirstOwnerAsync(
                AuditActor.ForUser(op, "127.0.0.1"), $"Org {slug}", slug, OrganizationKind.Customer, ownerEmail, IdpHost.LinkBase);
        });

    private static async Task<T> WithScopeAsync<T>(this IdpHost host, Func<IServiceProvider, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var scope = host.Services.CreateAsyncScope();
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
