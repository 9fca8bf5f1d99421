using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Federation;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Federation;

/// <summary>Federated sign-in ends in the same session start as passkey and password sign-in, for its own organization's members only.</summary>
[Collection(SharedIdp.Name)]
public sealed class FederatedSignInTests(IdpHost factory)
{
    [Fact]
    public async Task A_member_signed_in_by_their_organization_gets_the_same_session_as_any_sign_in()
    {
        var (organizationId, email) = await SsoMemberAsync();
        var (http, started) = await StartAsync(email, organizationId);

        Assert.True(started);
        Assert.Contains(http.Response.Headers.SetCookie, c => c!.StartsWith("KeyPortal.IdP=", StringComparison.Ordinal));
        await using var db = factory.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        var session = await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == userId);
        // Whatever the upstream provider says, the session is federated: never a passkey here.
        Assert.Equal(AuthenticationMethods.Federated, session.AuthenticationMethods);
        Assert.Null(session.EndedAt);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == session.UserId && a.Action == "signin.succeeded"));
    }

    [Fact]
    public async Task A_suspended_account_gets_no_session()
    {
        var (organizationId, email) = await SsoMemberAsync(UserState.Suspended);

        var (http, started) = await StartAsync(email, organizationId);

        Assert.False(started);
        Assert.Equal(0, http.Response.Headers.SetCookie.Count);
        await AssertNoSessionAsync(email);
    }

    [Fact]
    public async Task Another_organizations_provider_an_organization_without_single_sign_on_and_operators_get_no_session()
    {
        var (federating, _) = await SsoMemberAsync();
        var (_, memberElsewhere) = await SsoMemberAsync();
        Assert.False((await StartAsync(memberElsewhere, federating)).Started);

        var withoutSso = await factory.NewPersonAsync("contoso");
        var contoso = await OrganizationIdAsync("contoso");
        Assert.False((await StartAsync(withoutSso, contoso)).Started);

        var (operatorsOrganization, operatorEmail) = await SsoMemberAsync();
        await using (var db = factory.Database.CreateContext())
        {
            await db.Users.Where(u => u.Email == operatorEmail).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsPlatformOperator, true));
        }

        Assert.False((await StartAsync(operatorEmail, operatorsOrganization)).Started);
        await AssertNoSessionAsync(memberElsewhere, withoutSso, operatorEmail);
    }

    [Fact]
    public async Task A_person_who_also_belongs_to_another_organization_gets_a_session_for_the_federating_organization_only()
    {
        var (organizationId, email) = await SsoMemberAsync();
        await factory.Members.AddAsync(await OrganizationIdAsync("contoso"), MemberRoles.Auditor, email: email);

        Assert.True((await StartAsync(email, organizationId)).Started);

        await using var db = factory.Database.CreateContext();
        var session = await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == db.Users.Single(u => u.Email == email).Id);
        // The session row names the organization whose provider made it: the apps show that one only.
        Assert.Equal(organizationId, session.FederatedOrganizationId);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.OrganizationId == organizationId && a.TargetUserId == session.UserId && a.Action == "signin.succeeded"));
    }

    /// <summary>A member (Admin) of a new organization whose single sign-on is on.</summary>
    private async Task<(Guid OrganizationId, string Email)> SsoMemberAsync(UserState state = UserState.Active)
    {
        Guid organizationId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var name = $"fed-{Guid.NewGuid():N}";
            organizationId = (await scope.ServiceProvider.GetRequiredService<OrganizationService>()
                .CreateAsync(AuditActor.System, name, name, OrganizationKind.Customer)).Id;
        }

        await using (var db = factory.Database.CreateContext())
        {
            var organization = await db.Organizations.SingleAsync(o => o.Id == organizationId);
            organization.Sso.Enabled = true;
            await db.SaveChangesAsync();
        }

        var member = await factory.Members.AddAsync(organizationId, MemberRoles.Admin, state);
        return (organizationId, member.Email!);
    }

    private async Task<Guid> OrganizationIdAsync(string slug)
    {
        await using var db = factory.Database.CreateContext();
        return await db.Organizations.Where(o => o.Slug == slug).Select(o => o.Id).SingleAsync();
    }

    private async Task AssertNoSessionAsync(params string[] emails)
    {
        await using var db = factory.Database.CreateContext();
        var ids = await db.Users.Where(u => emails.Contains(u.Email)).Select(u => u.Id).ToListAsync();
        Assert.Equal(emails.Length, ids.Count);
        Assert.False(await db.UserSessions.AnyAsync(s => ids.Contains(s.UserId)));
    }

    private async Task<(HttpContext Http, bool Started)> StartAsync(string email, Guid organizationId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        await using var db = factory.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var started = await scope.ServiceProvider.GetRequiredService<FederatedSignIn>().StartSessionAsync(http, user, organizationId);
        return (http, started);
    }
}
