using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Resets;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.ApiTokens;

/// <summary>What ends a member's API token (SPEC API tokens and user states).</summary>
public enum TokenDeath
{
    Suspended,

    /// <summary>Removed from their last organization.</summary>
    Deactivated,

    Reset,

    /// <summary>Removed from the token's organization while still a member of another one.</summary>
    RemovedFromOrganization,

    DemotedToAuditor,

    Revoked,

    Expired,
}

/// <summary>
/// SPEC API tokens: a token dies with its user's suspension, deactivation, reset, removal from
/// the organization or loss of the right to generate tokens, and with its revocation or expiry.
/// Each takes effect on the very next call, for the token itself and for a JWT the IdP issued
/// against it before the event (its signature and lifetime still hold; the token behind it does not).
/// </summary>
public sealed class ApiTokenDeathTests(RelyingPartyAppFactory<Program> app) : IClassFixture<RelyingPartyAppFactory<Program>>
{
    private readonly ApiTokenWorld _world = new(app);

    public static TheoryData<TokenDeath, Credential> Deaths()
    {
        var data = new TheoryData<TokenDeath, Credential>();
        foreach (var death in Enum.GetValues<TokenDeath>())
        {
            foreach (var credential in Enum.GetValues<Credential>())
            {
                data.Add(death, credential);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Deaths))]
    public async Task A_token_dies_on_the_very_next_call(TokenDeath death, Credential credential)
    {
        var (organization, owner) = await _world.OrganizationAsync();
        var member = await _world.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var other = death == TokenDeath.RemovedFromOrganization ? await _world.OrganizationAsync() : default;
        if (death == TokenDeath.RemovedFromOrganization)
        {
            await _world.Members.AddAsync(other.Organization.Id, MemberRoles.Owner, email: member.Email);
            Assert.Equal(2, await MembershipCountAsync(member));
        }

        var token = await _world.TokenAsync(member, organization.Id);
        var presented = await _world.CredentialAsync(credential, token);
        await _world.AssertLiveAsync(presented, organization.Id);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            switch (death)
            {
                case TokenDeath.Suspended:
                    await services.GetRequiredService<UserAccountService>().SuspendAsync(AuditActor.System, member.Id, "compromised key");
                    break;
                case TokenDeath.Deactivated:
                    await services.GetRequiredService<MembershipService>().RemoveMemberAsync(AuditActor.System, organization.Id, member.Id);
                    Assert.Equal(UserState.Deactivated, await StateOfAsync(member));
                    break;
                case TokenDeath.Reset:
                    await services.GetRequiredService<AccountResetService>().ResetUserAsync(
                        AuditActor.ForUser(owner, "192.0.2.1"), member.Id, organization.Id, new Uri("http://localhost:5000/"));
                    break;
                case TokenDeath.RemovedFromOrganization:
                    await services.GetRequiredService<MembershipService>().RemoveMemberAsync(AuditActor.ForUser(owner, "192.0.2.1"), organization.Id, member.Id);
                    Assert.Equal(UserState.Active, await StateOfAsync(member));
                    break;
                case TokenDeath.DemotedToAuditor:
                    await services.GetRequiredService<MembershipService>().ChangeRolesAsync(
                        AuditActor.ForUser(owner, "192.0.2.1"), organization.Id, member.Id, new MemberRoles(OrganizationRole.Auditor, ChannelRoles.None));
                    break;
                case TokenDeath.Revoked:
                    await ApiTokenClients.RevokeAsync(app.Services, owner, organization.Id, token);
                    break;
                case TokenDeath.Expired:
                    await ApiTokenClients.ExpireAsync(app.Services, token);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(death));
            }
        }

        // Not in the token's organization, and not moved to the member's other one either.
        await _world.AssertRefusedAsync(presented);
    }

    [Theory]
    [InlineData(Credential.Bearer)]
    [InlineData(Credential.Jwt)]
    public async Task A_token_whose_member_is_demoted_outside_of_Core_still_dies_at_once(Credential credential)
    {
        // The live check alone, with the token's row left in place: the member's role is
        // changed in the database directly, as another instance's half-finished change might leave it.
        var (organization, _) = await _world.OrganizationAsync();
        var member = await _world.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var token = await _world.TokenAsync(member, organization.Id);
        var presented = await _world.CredentialAsync(credential, token);
        await _world.AssertLiveAsync(presented, organization.Id);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Memberships
                .Where(m => m.UserId == member.Id && m.OrganizationId == organization.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.OrganizationRole, OrganizationRole.Auditor));
        }

        Assert.NotNull(await ApiTokenClients.FindAsync(app.Services, organization.Id, token));
        await _world.AssertRefusedAsync(presented);
    }

    private async Task<int> MembershipCountAsync(User user)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Memberships.CountAsync(m => m.UserId == user.Id);
    }

    private async Task<UserState> StateOfAsync(User user)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Users.Where(u => u.Id == user.Id).Select(u => u.State).SingleAsync();
    }
}
