using System.Security.Claims;
using KeyPortal.Core.Authorization;
using Microsoft.AspNetCore.Authorization;
using KeyPortal.Core.Sessions;

namespace KeyPortal.Core.Tests.Authorization;

/// <summary>The policy handler reads the membership from the database on every check.</summary>
public abstract class PermissionAuthorizationHandlerTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    [Theory]
    [InlineData(OrganizationRole.Owner, Permission.ManageMembers, true)]
    [InlineData(OrganizationRole.Admin, Permission.ManageMembers, false)]
    [InlineData(OrganizationRole.Admin, Permission.GenerateApiToken, true)]
    [InlineData(OrganizationRole.Auditor, Permission.ViewAuditTrail, true)]
    [InlineData(OrganizationRole.Auditor, Permission.DownloadCsv, false)]
    public async Task ActiveMember_IsGrantedWhatTheMatrixSays(OrganizationRole role, Permission permission, bool expected)
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, new MemberRoles(role, ChannelRoles.None));

        Assert.Equal(expected, await IsGrantedAsync(SignedIn(member), permission, new OrganizationResource(organization.Id)));
    }

    [Theory]
    [InlineData(UserState.Pending)]
    [InlineData(UserState.Reset)]
    [InlineData(UserState.Suspended)]
    public async Task OwnerWhoCannotAct_IsRefused(UserState state)
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var owner = await Members.AddAsync(organization.Id, MemberRoles.Owner, state);

        Assert.False(await IsGrantedAsync(SignedIn(owner), Permission.ViewOrganization, new OrganizationResource(organization.Id)));
    }

    [Fact]
    public async Task OwnerInDemoMode_MayOnlyOnboard()
    {
        var organization = await GivenOrganizationAsync();
        var owner = await Members.AddAsync(organization.Id, MemberRoles.Owner, UserState.ActiveDemo);
        var resource = new OrganizationResource(organization.Id);

        Assert.True(await IsGrantedAsync(SignedIn(owner), Permission.ViewOrganization, resource));
        Assert.False(await IsGrantedAsync(SignedIn(owner), Permission.ManageMembers, resource));
    }

    [Fact]
    public async Task OwnerOfAnotherOrganization_IsRefused()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var (_, ownerElsewhere) = await GivenOrganizationWithOwnerAsync();

        Assert.False(await IsGrantedAsync(SignedIn(ownerElsewhere), Permission.ViewOrganization, new OrganizationResource(organization.Id)));
    }

    [Fact]
    public async Task RoleChange_TakesEffectOnTheNextCheck()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Owner);
        var resource = new OrganizationResource(organization.Id);
        Assert.True(await IsGrantedAsync(SignedIn(member), Permission.ManageMembers, resource));

        await using (var scope = OpenScope())
        {
            await scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, member.Id, MemberRoles.Auditor);
        }

        Assert.False(await IsGrantedAsync(SignedIn(member), Permission.ManageMembers, resource));
    }

    [Fact]
    public async Task The_organization_the_member_works_in_is_used_when_no_resource_is_given()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var (elsewhere, _) = await GivenOrganizationWithOwnerAsync();
        await using (var scope = OpenScope())
        {
            await scope.Memberships.AddMemberAsync(Actors.Operator, elsewhere.Id, owner.Email!, MemberRoles.Auditor);
        }

        Assert.True(await IsGrantedAsync(SignedIn(owner), Permission.ManageMembers, resource: null, currentOrganization: organization.Id));
        Assert.False(await IsGrantedAsync(SignedIn(owner), Permission.ManageMembers, resource: null, currentOrganization: elsewhere.Id));
        // A chosen organization the user does not belong to falls back to one of theirs (the one
        // joined first); both memberships hold View organization, so the answer does not depend
        // on which of two joined in the same instant counts as first.
        Assert.True(await IsGrantedAsync(SignedIn(owner), Permission.ViewOrganization, resource: null, currentOrganization: Guid.NewGuid()));
        Assert.False(await IsGrantedAsync(SignedIn(owner), Permission.ManageMembers, resource: new OrganizationResource(Guid.NewGuid())));
    }

    [Fact]
    public async Task NameIdentifierClaim_IdentifiesTheUserToo()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, owner.Id.ToString())], "test"));

        Assert.True(await IsGrantedAsync(principal, Permission.ManageMembers, new OrganizationResource(organization.Id)));
    }

    [Fact]
    public async Task UnauthenticatedPrincipal_IsRefusedEvenWithAValidSubject()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", owner.Id.ToString())]));

        Assert.False(await IsGrantedAsync(anonymous, Permission.ViewOrganization, new OrganizationResource(organization.Id)));
    }

    private static ClaimsPrincipal SignedIn(User user) =>
        new(new ClaimsIdentity([new Claim("sub", user.Id.ToString())], "test"));

    private async Task<bool> IsGrantedAsync(
        ClaimsPrincipal principal, Permission permission, OrganizationResource? resource, Guid? currentOrganization = null)
    {
        await using var db = Database.CreateContext();
        if (currentOrganization is { } chosen)
        {
            // The organization the member works in, as the Portal's header menu sets it.
            principal = new ClaimsPrincipal(new ClaimsIdentity(
                [.. principal.Claims, new Claim(KeyPortalClaims.Organization, chosen.ToString())], principal.Identity?.AuthenticationType));
        }

        var handler = new PermissionAuthorizationHandler(new CurrentMember(db));
        var context = new AuthorizationHandlerContext([new PermissionRequirement(permission)], principal, resource);
        await handler.HandleAsync(context);
        return context.HasSucceeded;
    }
}

public sealed class PermissionAuthorizationHandlerTestsOnSqlite(SqliteDatabaseFixture fixture)
    : PermissionAuthorizationHandlerTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class PermissionAuthorizationHandlerTestsOnPostgres(PostgresDatabaseFixture fixture)
    : PermissionAuthorizationHandlerTests(fixture), IClassFixture<PostgresDatabaseFixture>;
