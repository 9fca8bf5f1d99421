namespace KeyPortal.Core.Tests.Memberships;

/// <summary>
/// The membership rules against a real database. Runs once per provider through the
/// subclasses at the end of the file, like OpenIddict's one integration suite per host.
/// </summary>
public abstract class MembershipServiceTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private static readonly MemberRoles Reseller = new(null, ChannelRoles.Reseller);

    public static TheoryData<string> InvalidEmails() =>
        ["", "not-an-address", "Ann <ann@example.com>", "ann@localhost", "ann smith@example.com", "ann@example.com\r\nBcc: eve@example.com"];

    public static TheoryData<MemberRoles> UnknownRoles() =>
    [
        new(OrganizationRole.Auditor + 1, ChannelRoles.None),
        new((OrganizationRole)0, ChannelRoles.None),
        new(null, (ChannelRoles)4),
        new(OrganizationRole.Owner, (ChannelRoles)8),
    ];

    // ---- Adding members -------------------------------------------------------------------

    [Fact]
    public async Task AddMember_NewPerson_CreatesPendingUserAndMembershipWithAuditInOneCommit()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var actor = Actors.Of(owner);
        var email = Unique.Email("ann");
        var auditBefore = await LastAuditIdAsync();

        MemberAdded added;
        await using (var scope = OpenScope())
        {
            added = await scope.Memberships.AddMemberAsync(actor, organization.Id, email, MemberRoles.Admin);
        }

        Assert.True(added.IsNewAccount);
        Assert.True(added.NeedsActivation);
        var user = await LoadUserAsync(added.User.Id);
        Assert.Equal(UserState.Pending, user.State);
        Assert.Equal(email, user.Email);
        Assert.Equal(email.ToUpperInvariant(), user.NormalizedEmail);
        Assert.Equal(TestClock.Start, user.CreatedAt);
        var membership = await LoadMembershipAsync(organization.Id, user.Id);
        Assert.NotNull(membership);
        Assert.Equal(MemberRoles.Admin, membership.Roles);

        var entries = await AuditAboutAsync(user.Id, auditBefore);
        Assert.Equal(new[] { AuditActions.UserCreated, AuditActions.MemberAdded }, entries.Select(e => e.Action));
        Assert.All(entries, entry =>
        {
            Assert.Equal(owner.Id, entry.ActorUserId);
            Assert.Equal(owner.Email, entry.Actor);
            Assert.Equal(Actors.OwnerAddress, entry.ClientAddress);
            Assert.Equal(organization.Id, entry.OrganizationId);
            Assert.Equal(user.Id, entry.TargetUserId);
            Assert.Equal(TestClock.Start, entry.OccurredAt);
        });
        Assert.Equal(email, DetailOf(entries[0], "email"));
        Assert.Equal(nameof(UserState.Pending), DetailOf(entries[0], "state"));
        Assert.Equal("Admin", DetailOf(entries[1], "roles"));
    }

    [Fact]
    public async Task AddMember_EmailWithSurroundingSpaces_StoresTheTrimmedAddress()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var email = Unique.Email("Spaced.Out");

        await using (var scope = OpenScope())
        {
            await scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, $"  {email} ", MemberRoles.Auditor);
        }

        var user = Assert.Single(await LoadUsersByEmailAsync(email));
        Assert.Equal(email, user.Email);
    }

    [Fact]
    public async Task AddMember_ExistingAccountToSecondOrganization_AddsOnlyTheMembership()
    {
        var (first, _) = await GivenOrganizationWithOwnerAsync();
        var (second, secondOwner) = await GivenOrganizationWithOwnerAsync();
        var email = Unique.Email("bob");
        var existing = await Members.AddAsync(first.Id, MemberRoles.Auditor, UserState.Active, email);
        var auditBefore = await LastAuditIdAsync();

        MemberAdded added;
        await using (var scope = OpenScope())
        {
            // Same person, typed differently: user names are case-insensitive.
            added = await scope.Memberships.AddMemberAsync(Actors.Of(secondOwner), second.Id, email.ToUpperInvariant(), MemberRoles.Admin);
        }

        Assert.False(added.IsNewAccount);
        Assert.False(added.NeedsActivation);
        Assert.Equal(existing.Id, added.User.Id);
        var user = Assert.Single(await LoadUsersByEmailAsync(email));
        Assert.Equal(UserState.Active, user.State);
        Assert.Equal(existing.SecurityStamp, user.SecurityStamp);
        Assert.Equal(email, user.Email);
        Assert.Equal(MemberRoles.Auditor, (await LoadMembershipAsync(first.Id, user.Id))?.Roles);
        Assert.Equal(MemberRoles.Admin, (await LoadMembershipAsync(second.Id, user.Id))?.Roles);
        var entry = Assert.Single(await AuditAboutAsync(user.Id, auditBefore));
        Assert.Equal(AuditActions.MemberAdded, entry.Action);
        Assert.Equal(second.Id, entry.OrganizationId);
    }

    [Fact]
    public async Task AddMember_PendingAccountToSecondOrganization_StillNeedsActivation()
    {
        var (first, _) = await GivenOrganizationWithOwnerAsync();
        var (second, secondOwner) = await GivenOrganizationWithOwnerAsync();
        var pending = await Members.AddAsync(first.Id, MemberRoles.Auditor, UserState.Pending);

        await using var scope = OpenScope();
        var added = await scope.Memberships.AddMemberAsync(Actors.Of(secondOwner), second.Id, pending.Email!, MemberRoles.Auditor);

        Assert.False(added.IsNewAccount);
        Assert.True(added.NeedsActivation);
        Assert.Equal(UserState.Pending, (await LoadUserAsync(pending.Id)).State);
    }

    [Fact]
    public async Task AddMember_SsoOrganization_NewPersonIsActiveAtOnce()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync(sso: true);
        var auditBefore = await LastAuditIdAsync();

        MemberAdded added;
        await using (var scope = OpenScope())
        {
            added = await scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, Unique.Email("sso"), MemberRoles.Auditor);
        }

        Assert.True(added.IsNewAccount);
        Assert.False(added.NeedsActivation);
        Assert.Equal(UserState.Active, (await LoadUserAsync(added.User.Id)).State);
        var created = (await AuditAboutAsync(added.User.Id, auditBefore)).First(e => e.Action == AuditActions.UserCreated);
        Assert.Equal(nameof(UserState.Active), DetailOf(created, "state"));
    }

    [Fact]
    public async Task AddMember_DeactivatedPerson_IsInvitedAgainAsPending()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var former = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using (var scope = OpenScope())
        {
            await scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, former.Id);
        }

        Assert.Equal(UserState.Deactivated, (await LoadUserAsync(former.Id)).State);
        var auditBefore = await LastAuditIdAsync();

        MemberAdded added;
        await using (var scope = OpenScope())
        {
            added = await scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, former.Email!, MemberRoles.Auditor);
        }

        Assert.False(added.IsNewAccount);
        Assert.True(added.NeedsActivation);
        Assert.Equal(former.Id, added.User.Id);
        Assert.Equal(UserState.Pending, (await LoadUserAsync(former.Id)).State);
        var entries = await AuditAboutAsync(former.Id, auditBefore);
        Assert.Equal(new[] { AuditActions.UserStateChanged, AuditActions.MemberAdded }, entries.Select(e => e.Action));
        Assert.Equal(nameof(UserState.Deactivated), DetailOf(entries[0], "from"));
        Assert.Equal(nameof(UserState.Pending), DetailOf(entries[0], "to"));
    }

    [Fact]
    public async Task AddMember_DeactivatedPersonToSsoOrganization_IsActive()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var former = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        var (ssoOrganization, ssoOwner) = await GivenOrganizationWithOwnerAsync(sso: true);
        await using (var scope = OpenScope())
        {
            await scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, former.Id);
        }

        await using (var scope = OpenScope())
        {
            var added = await scope.Memberships.AddMemberAsync(Actors.Of(ssoOwner), ssoOrganization.Id, former.Email!, MemberRoles.Admin);
            Assert.False(added.NeedsActivation);
        }

        Assert.Equal(UserState.Active, (await LoadUserAsync(former.Id)).State);
    }

    [Fact]
    public async Task AddMember_ResellerRoleInResellerOrganization_NeedsNoOrganizationRole()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync(OrganizationKind.Customer | OrganizationKind.Reseller);

        await using (var scope = OpenScope())
        {
            var added = await scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, Unique.Email("partner"), Reseller);
            Assert.Equal(Reseller, (await LoadMembershipAsync(organization.Id, added.User.Id))?.Roles);
        }
    }

    // ---- Removing members -----------------------------------------------------------------

    [Fact]
    public async Task RemoveMember_FromLastOrganization_DeactivatesRotatesStampAndAudits()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        var auditBefore = await LastAuditIdAsync();
        Clock.Advance(TimeSpan.FromMinutes(5));

        await using (var scope = OpenScope())
        {
            await scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, member.Id);
        }

        Assert.Null(await LoadMembershipAsync(organization.Id, member.Id));
        var user = await LoadUserAsync(member.Id);
        Assert.Equal(UserState.Deactivated, user.State);
        Assert.NotEqual(member.SecurityStamp, user.SecurityStamp);
        Assert.Equal(Clock.GetUtcNow(), user.StateChangedAt);
        var entries = await AuditAboutAsync(member.Id, auditBefore);
        Assert.Equal(new[] { AuditActions.MemberRemoved, AuditActions.UserStateChanged }, entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(owner.Id, e.ActorUserId));
        Assert.Equal(organization.Id, entries[0].OrganizationId);
        Assert.Equal("Admin", DetailOf(entries[0], "roles"));
        Assert.Equal(nameof(UserState.Active), DetailOf(entries[1], "from"));
        Assert.Equal(nameof(UserState.Deactivated), DetailOf(entries[1], "to"));
    }

    [Fact]
    public async Task RemoveMember_FromOneOfTwoOrganizations_StaysActive()
    {
        var (first, firstOwner) = await GivenOrganizationWithOwnerAsync();
        var (second, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(first.Id, MemberRoles.Admin);
        await using (var scope = OpenScope())
        {
            await scope.Memberships.AddMemberAsync(Actors.Operator, second.Id, member.Email!, MemberRoles.Auditor);
        }

        var auditBefore = await LastAuditIdAsync();

        await using (var scope = OpenScope())
        {
            await scope.Memberships.RemoveMemberAsync(Actors.Of(firstOwner), first.Id, member.Id);
        }

        var user = await LoadUserAsync(member.Id);
        Assert.Equal(UserState.Active, user.State);
        Assert.Equal(member.SecurityStamp, user.SecurityStamp);
        Assert.Null(await LoadMembershipAsync(first.Id, member.Id));
        Assert.NotNull(await LoadMembershipAsync(second.Id, member.Id));
        var entry = Assert.Single(await AuditAboutAsync(member.Id, auditBefore));
        Assert.Equal(AuditActions.MemberRemoved, entry.Action);
    }

    [Fact]
    public async Task RemoveMember_OwnerWhenAnotherOwnerRemains_IsAllowed()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var secondOwner = await Members.AddAsync(organization.Id, MemberRoles.Owner);

        await using (var scope = OpenScope())
        {
            await scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, secondOwner.Id);
        }

        Assert.Equal(1, await CountOwnersAsync(organization.Id));
    }

    [Fact]
    public async Task RemoveMember_PlatformOperatorFromLastOrganization_KeepsTheAccount_AndOnlyAnOperatorMayRemoveIt()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var operatorUser = await Members.AddAsync(organization.Id, MemberRoles.Auditor);
        var colleague = await Members.AddAsync(organization.Id, MemberRoles.Auditor);
        await using (var db = Database.CreateContext())
        {
            foreach (var user in await db.Users.Where(u => u.Id == operatorUser.Id || u.Id == colleague.Id).ToListAsync())
            {
                user.IsPlatformOperator = true;
            }

            await db.SaveChangesAsync();
        }

        await using (var scope = OpenScope())
        {
            await DomainAssert.RefusedAsync(DomainErrors.PlatformOperatorProtected.Code,
                () => scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, operatorUser.Id));
        }

        Assert.NotNull(await LoadMembershipAsync(organization.Id, operatorUser.Id));
        await using (var scope = OpenScope())
        {
            await scope.Memberships.RemoveMemberAsync(Actors.Of(colleague), organization.Id, operatorUser.Id);
        }

        Assert.Null(await LoadMembershipAsync(organization.Id, operatorUser.Id));
        Assert.Equal(UserState.Active, (await LoadUserAsync(operatorUser.Id)).State);
    }

    // ---- Changing roles -------------------------------------------------------------------

    [Fact]
    public async Task ChangeRoles_AuditsFromAndTo()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        var roles = new MemberRoles(OrganizationRole.Auditor, ChannelRoles.Reseller);
        var auditBefore = await LastAuditIdAsync();

        await using (var scope = OpenScope())
        {
            await scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, member.Id, roles);
        }

        Assert.Equal(roles, (await LoadMembershipAsync(organization.Id, member.Id))?.Roles);
        var entry = Assert.Single(await AuditAboutAsync(member.Id, auditBefore));
        Assert.Equal(AuditActions.MemberRolesChanged, entry.Action);
        Assert.Equal(organization.Id, entry.OrganizationId);
        Assert.Equal(owner.Id, entry.ActorUserId);
        Assert.Equal(Actors.OwnerAddress, entry.ClientAddress);
        Assert.Equal("Admin", DetailOf(entry, "from"));
        Assert.Equal("Auditor, Reseller", DetailOf(entry, "to"));
        Assert.Equal(member.Email, DetailOf(entry, "email"));
    }

    [Fact]
    public async Task ChangeRoles_SameRoles_WritesNothing()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        var before = await Database.SnapshotAsync();

        await using (var scope = OpenScope())
        {
            await scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, member.Id, MemberRoles.Admin);
        }

        Assert.Equal(before, await Database.SnapshotAsync());
    }

    [Fact]
    public async Task ChangeRoles_DemoteOwnerWhenAnotherOwnerRemains_IsAllowed()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var secondOwner = await Members.AddAsync(organization.Id, MemberRoles.Owner);

        await using (var scope = OpenScope())
        {
            await scope.Memberships.ChangeRolesAsync(Actors.Of(secondOwner), organization.Id, owner.Id, MemberRoles.Admin);
        }

        Assert.Equal(MemberRoles.Admin, (await LoadMembershipAsync(organization.Id, owner.Id))?.Roles);
        Assert.Equal(1, await CountOwnersAsync(organization.Id));
    }

    [Fact]
    public async Task ChangeRoles_PromoteToOwner_AddsAnOwner()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Auditor);

        await using (var scope = OpenScope())
        {
            await scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, member.Id, MemberRoles.Owner);
        }

        Assert.Equal(2, await CountOwnersAsync(organization.Id));
    }

    // ---- Refusals: each with its own code, and nothing written ------------------------------

    [Theory]
    [MemberData(nameof(InvalidEmails))]
    public async Task AddMember_InvalidEmail_IsRefused(string email)
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("email.invalid",
            () => scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, email, MemberRoles.Admin));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddMember_AlreadyAMember_IsRefused(bool differentCase)
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Auditor, UserState.Active, Unique.Email("Carol"));
        var email = differentCase ? member.Email!.ToUpperInvariant() : member.Email!;
        await using var scope = OpenScope();

        var error = await AssertRefusedAndUnchangedAsync("membership.duplicate",
            () => scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, email, MemberRoles.Admin));

        Assert.Equal(DomainErrorKind.Conflict, error.Kind);
    }

    [Theory]
    [MemberData(nameof(UnknownRoles))]
    public async Task AddMember_UnknownRole_IsRefused(MemberRoles roles)
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("role.unknown",
            () => scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, Unique.Email(), roles));
    }

    [Theory]
    [InlineData(OrganizationKind.Customer, ChannelRoles.Reseller)]
    [InlineData(OrganizationKind.Customer, ChannelRoles.Distributor)]
    [InlineData(OrganizationKind.Customer | OrganizationKind.Reseller, ChannelRoles.Distributor)]
    [InlineData(OrganizationKind.Customer | OrganizationKind.Distributor, ChannelRoles.Reseller | ChannelRoles.Distributor)]
    public async Task AddMember_ChannelRoleOutsideOrganizationKind_IsRefused(OrganizationKind kind, ChannelRoles channel)
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync(kind);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("membership.channel_role_not_allowed",
            () => scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, Unique.Email(), new MemberRoles(OrganizationRole.Admin, channel)));
    }

    [Fact]
    public async Task AddMember_NoRole_IsRefused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("membership.no_role",
            () => scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, Unique.Email(), new MemberRoles(null, ChannelRoles.None)));
    }

    [Fact]
    public async Task AddMember_UnknownOrganization_IsRefused()
    {
        await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        var error = await AssertRefusedAndUnchangedAsync("organization.not_found",
            () => scope.Memberships.AddMemberAsync(Actors.Operator, Guid.NewGuid(), Unique.Email(), MemberRoles.Owner));

        Assert.Equal(DomainErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task RemoveMember_LastOwner_IsRefused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("organization.last_owner",
            () => scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, owner.Id));
    }

    [Fact]
    public async Task RemoveMember_LastOwnerWhoIsAlsoReseller_IsRefused()
    {
        var organization = await GivenOrganizationAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        var owner = await Members.AddAsync(organization.Id, new MemberRoles(OrganizationRole.Owner, ChannelRoles.Reseller));
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("organization.last_owner",
            () => scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, owner.Id));
    }

    [Theory]
    [InlineData(OrganizationRole.Admin, ChannelRoles.None)]
    [InlineData(OrganizationRole.Auditor, ChannelRoles.None)]
    [InlineData(null, ChannelRoles.Reseller)]
    public async Task ChangeRoles_DemotingTheLastOwner_IsRefused(OrganizationRole? role, ChannelRoles channel)
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("organization.last_owner",
            () => scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, owner.Id, new MemberRoles(role, channel)));
    }

    [Fact]
    public async Task ChangeRoles_ChannelRoleOutsideOrganizationKind_IsRefused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("membership.channel_role_not_allowed",
            () => scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, member.Id, new MemberRoles(OrganizationRole.Admin, ChannelRoles.Reseller)));
    }

    [Fact]
    public async Task ChangeRoles_NoRole_IsRefused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("membership.no_role",
            () => scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, member.Id, new MemberRoles(null, ChannelRoles.None)));
    }

    [Theory]
    [MemberData(nameof(UnknownRoles))]
    public async Task ChangeRoles_UnknownRole_IsRefused(MemberRoles roles)
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("role.unknown",
            () => scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, member.Id, roles));
    }

    [Fact]
    public async Task ChangeRoles_UnknownOrganization_IsRefused()
    {
        var (_, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("organization.not_found",
            () => scope.Memberships.ChangeRolesAsync(Actors.Of(owner), Guid.NewGuid(), owner.Id, MemberRoles.Admin));
    }

    [Fact]
    public async Task RemoveMember_UnknownOrganization_IsRefused()
    {
        var (_, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("organization.not_found",
            () => scope.Memberships.RemoveMemberAsync(Actors.Of(owner), Guid.NewGuid(), owner.Id));
    }

    [Fact]
    public async Task RemoveMember_PersonOfAnotherOrganization_IsRefusedAsNotAMember()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var (_, outsider) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        var error = await AssertRefusedAndUnchangedAsync("membership.not_found",
            () => scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, outsider.Id));

        Assert.Equal(DomainErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task LiftSuspension_OfActiveUser_IsRefusedAsIllegalTransition()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("user.illegal_transition",
            () => scope.Accounts.LiftSuspensionAsync(Actors.Operator, member.Id));
    }

    [Fact]
    public async Task Suspend_DeactivatedUser_IsRefusedAsIllegalTransition()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using (var removal = OpenScope())
        {
            await removal.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, member.Id);
        }

        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("user.illegal_transition",
            () => scope.Accounts.SuspendAsync(Actors.Operator, member.Id, "fraud"));
    }

    [Fact]
    public async Task ARefusedOperation_LeavesTheContextUsableForTheNextOne()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();
        await DomainAssert.RefusedAsync("organization.last_owner",
            () => scope.Memberships.RemoveMemberAsync(Actors.Of(owner), organization.Id, owner.Id));

        var added = await scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, Unique.Email(), MemberRoles.Owner);

        Assert.NotNull(await LoadMembershipAsync(organization.Id, added.User.Id));
        Assert.Equal(2, await CountOwnersAsync(organization.Id));
    }
}

public sealed class MembershipServiceTestsOnSqlite(SqliteDatabaseFixture fixture)
    : MembershipServiceTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class MembershipServiceTestsOnPostgres(PostgresDatabaseFixture fixture)
    : MembershipServiceTests(fixture), IClassFixture<PostgresDatabaseFixture>;
