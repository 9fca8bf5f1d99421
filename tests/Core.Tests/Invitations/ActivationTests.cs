using KeyPortal.Core.Invitations;

namespace KeyPortal.Core.Tests.Invitations;

public abstract class ActivationTests(DatabaseFixture fixture) : InvitationDatabaseTests(fixture)
{
    [Fact]
    public async Task Invite_NewPerson_IsPendingAndEmailedALinkWhoseTokenIsStoredOnlyHashed()
    {
        var (organization, owner, invited, token) = await GivenInvitedAsync();

        Assert.Equal(InvitationOutcome.ActivationSent, invited.Outcome);
        Assert.Equal(UserState.Pending, (await LoadUserAsync(invited.UserId)).State);
        var mail = Mail.LastTo(invited.Email);
        Assert.Equal(new Uri(IdP, $"activate/{token}"), Assert.Single(mail.Links));
        var stored = Assert.Single(await InvitationsOfAsync(invited.UserId));
        Assert.Equal(Sha256OfToken(token), stored.TokenHash);
        Assert.Equal((organization.Id, owner.Id, MemberRoles.Admin, InvitationPurpose.Activation), (stored.OrganizationId!.Value, stored.InvitedByUserId!.Value, stored.Roles, stored.Purpose));
        Assert.Equal(TestClock.Start.AddDays(7), stored.ExpiresAt);
        var view = await WithInvitationsAsync(s => s.OpenAsync(token));
        Assert.Equal((invited.Email, organization.Name, 3, false), (view.Email, view.OrganizationName, view.AttemptsLeft, view.CodeVerified));
    }

    [Fact]
    public async Task TheRightCode_ProvesTheAddress_AWrongOneDoesNot()
    {
        var (_, _, invited, token) = await GivenInvitedAsync();
        var code = await SendCodeAsync(token, invited.Email);
        Assert.False((await LoadUserAsync(invited.UserId)).EmailConfirmed);

        await DomainAssert.RefusedAsync("code.invalid", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, WrongCode(code))));
        Assert.False((await LoadUserAsync(invited.UserId)).EmailConfirmed);

        await WithInvitationsAsync(s => s.VerifyCodeAsync(token, code));
        Assert.True((await LoadUserAsync(invited.UserId)).EmailConfirmed);
    }

    [Fact]
    public async Task ThreeWrongCodes_LockFifteenMinutes_CorrectCodeDuringLockRefusedWithTimeLeft_ThenANewCodeWorks()
    {
        var (_, _, invited, token) = await GivenInvitedAsync();
        var code = await SendCodeAsync(token, invited.Email);
        Assert.Matches("^[0-9]{6}$", code);

        var first = await DomainAssert.RefusedAsync("code.invalid", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, WrongCode(code))));
        Assert.Equal(2, first.Details!["attemptsLeft"]);
        var second = await DomainAssert.RefusedAsync("code.invalid", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, "abc")));
        Assert.Equal(1, second.Details!["attemptsLeft"]);
        var third = await DomainAssert.RefusedAsync("invitation.locked", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, WrongCode(code))));
        Assert.Equal(15, third.Details!["minutesLeft"]);

        Clock.Advance(TimeSpan.FromMinutes(5));
        var duringLock = await RefusedUnchangedAsync("invitation.locked", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, code)));
        Assert.Equal(10, duringLock.Details!["minutesLeft"]);
        Assert.Contains("10 minutes", duringLock.Message, StringComparison.Ordinal);
        await RefusedUnchangedAsync("invitation.locked", () => WithInvitationsAsync(s => s.SendCodeAsync(token)));

        Clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = await SendCodeAsync(token, invited.Email);
        Assert.Equal(InvitationPurpose.Activation, await WithInvitationsAsync(s => s.VerifyCodeAsync(token, fresh)));
        Assert.True((await WithInvitationsAsync(s => s.OpenAsync(token))).CodeVerified);
        var ticket = await WithInvitationsAsync(s => s.AuthorizeActivationAsync(token, ConfirmedHere(token)));
        Assert.Equal(invited.UserId, ticket.UserId);
    }

    [Fact]
    public async Task TwentyParallelWrongCodes_AreEvaluatedExactlyThreeTimes_AndLock()
    {
        var (_, _, invited, token) = await GivenInvitedAsync();
        var code = await SendCodeAsync(token, invited.Email);
        var before = await LastAuditIdAsync();

        var outcomes = await RunTogetherAsync(Enumerable.Range(0, 20)
            .Select(_ => (Func<CoreScope, Task<InvitationPurpose>>)(scope => Invitations(scope).VerifyCodeAsync(token, WrongCode(code))))
            .ToArray());

        Assert.All(outcomes, o => Assert.False(o.Succeeded));
        Assert.Equal(2, outcomes.Count(o => o.Refusal!.Code == "code.invalid"));
        Assert.Equal(18, outcomes.Count(o => o.Refusal!.Code == "invitation.locked"));
        var stored = Assert.Single(await InvitationsOfAsync(invited.UserId));
        Assert.Equal(3, stored.FailedAttempts);
        Assert.Equal(TestClock.Start.AddMinutes(15), stored.LockedUntil);
        var evaluations = await AuditAboutAsync(invited.UserId, before);
        Assert.Equal(2, evaluations.Count(e => e.Action == AuditActions.InvitationCodeFailed));
        Assert.Single(evaluations, e => e.Action == AuditActions.InvitationLocked);
        await RefusedUnchangedAsync("invitation.locked", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, code)));
    }

    [Fact]
    public async Task Code_ExpiresAfterTenMinutes()
    {
        var (_, _, invited, token) = await GivenInvitedAsync();
        var code = await SendCodeAsync(token, invited.Email);

        Clock.Advance(TimeSpan.FromMinutes(10));

        await RefusedUnchangedAsync("code.expired", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, code)));
    }

    [Fact]
    public async Task NewCode_ReplacesTheOldOne_AndGivesNoNewTries()
    {
        var (_, _, invited, token) = await GivenInvitedAsync();
        var old = await SendCodeAsync(token, invited.Email);
        await DomainAssert.RefusedAsync("code.invalid", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, WrongCode(old))));
        string fresh;
        do
        {
            fresh = await SendCodeAsync(token, invited.Email);
        }
        while (fresh == old);

        var refused = await DomainAssert.RefusedAsync("code.invalid", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, old)));
        Assert.Equal(1, refused.Details!["attemptsLeft"]);
    }

    [Fact]
    public async Task Resend_MakesTheOldLinkStopWorking_AndTheNewOneIsUnlocked()
    {
        var (organization, owner, invited, oldToken) = await GivenInvitedAsync();
        var code = await SendCodeAsync(oldToken, invited.Email);
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<DomainException>(() => WithInvitationsAsync(s => s.VerifyCodeAsync(oldToken, WrongCode(code))));
        }

        await WithInvitationsAsync(s => s.ResendAsync(Actors.Of(owner), organization.Id, invited.UserId, IdP));
        var newToken = Mail.LastToken(invited.Email, InvitationLinks.ActivationPath);

        Assert.NotEqual(oldToken, newToken);
        await RefusedUnchangedAsync("invitation.superseded", () => WithInvitationsAsync(s => s.OpenAsync(oldToken)));
        await RefusedUnchangedAsync("invitation.superseded", () => WithInvitationsAsync(s => s.SendCodeAsync(oldToken)));
        var view = await WithInvitationsAsync(s => s.OpenAsync(newToken));
        Assert.Equal((3, (DateTimeOffset?)null), (view.AttemptsLeft, view.LockedUntil));
        var fresh = await SendCodeAsync(newToken, invited.Email);
        await WithInvitationsAsync(s => s.VerifyCodeAsync(newToken, fresh));
    }

    [Fact]
    public async Task Resend_ForAnActiveMember_IsRefused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Auditor);

        await RefusedUnchangedAsync("invitation.not_pending",
            () => WithInvitationsAsync(s => s.ResendAsync(Actors.Of(owner), organization.Id, member.Id, IdP)));
    }

    [Fact]
    public async Task Activation_AfterThePasskey_UsesTheLinkUp_AndAUsedLinkIsRefused()
    {
        var (_, _, invited, token) = await GivenInvitedAsync();
        var code = await SendCodeAsync(token, invited.Email);
        await RefusedUnchangedAsync("code.required", () => WithInvitationsAsync(s => s.AuthorizeActivationAsync(token, ConfirmedHere(token))));
        await WithInvitationsAsync(s => s.VerifyCodeAsync(token, code));
        // The code is spent; confirming again (another browser) takes a new code.
        await RefusedUnchangedAsync("code.not_requested", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, code)));
        await RefusedUnchangedAsync("invitation.wrong_step", () => ActivateWithoutPasskeyAsync(token));

        Assert.Equal(invited.UserId, await ActivateWithPasskeyAsync(token));

        Assert.NotNull(Assert.Single(await InvitationsOfAsync(invited.UserId)).UsedAt);
        await RefusedUnchangedAsync("invitation.used", () => WithInvitationsAsync(s => s.OpenAsync(token)));
        await RefusedUnchangedAsync("invitation.used", () => ActivateWithPasskeyAsync(token));
        await RefusedUnchangedAsync("invitation.used", () => WithInvitationsAsync(s => s.SendCodeAsync(token)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("../../etc/passwd")]
    public async Task ForgedToken_IsRefused(string token)
    {
        await GivenInvitedAsync();

        await RefusedUnchangedAsync("invitation.invalid", () => WithInvitationsAsync(s => s.OpenAsync(token)));
        await RefusedUnchangedAsync("invitation.invalid", () => WithInvitationsAsync(s => s.SendCodeAsync(token)));
        await RefusedUnchangedAsync("invitation.invalid", () => WithInvitationsAsync(s => s.VerifyCodeAsync(token, "123456")));
    }

    [Fact]
    public async Task Link_ExpiresAfterSevenDays()
    {
        var (_, _, _, token) = await GivenInvitedAsync();

        Clock.Advance(TimeSpan.FromDays(7));

        await RefusedUnchangedAsync("invitation.expired", () => WithInvitationsAsync(s => s.OpenAsync(token)));
        await RefusedUnchangedAsync("invitation.expired", () => WithInvitationsAsync(s => s.SendCodeAsync(token)));
    }

    [Fact]
    public async Task ConfirmedLink_IsNoBearerCredential_ItsPasskeyStepNeedsTheBrowserThatConfirmedIt()
    {
        var (_, owner, invited, token) = await GivenInvitedAsync();
        var code = await SendCodeAsync(token, invited.Email);
        await WithInvitationsAsync(s => s.VerifyCodeAsync(token, code));

        // Whoever holds only the URL (no confirmation, or one for another account) gets nothing.
        await RefusedUnchangedAsync("invitation.not_confirmed_here", () => WithInvitationsAsync(s => s.AuthorizeActivationAsync(token, null)));
        await RefusedUnchangedAsync("invitation.not_confirmed_here", () => WithInvitationsAsync(s => s.AuthorizeActivationAsync(token, owner.Id)));
        await RefusedUnchangedAsync("invitation.not_confirmed_here", () => WithInvitationsAsync(s =>
            s.ActivateAsync(token, Guid.NewGuid(), null, (ticket, _) => Task.FromResult(ticket.UserId))));
        Assert.Equal(invited.UserId, (await WithInvitationsAsync(s => s.AuthorizeActivationAsync(token, invited.UserId))).UserId);

        // Another browser confirms again with a new code.
        var again = await SendCodeAsync(token, invited.Email);
        await WithInvitationsAsync(s => s.VerifyCodeAsync(token, again));
    }

    [Fact]
    public async Task ExistingAccount_IsInvitedToJoin_AndJoinsOnlyWhenItAccepts()
    {
        var (first, _) = await GivenOrganizationWithOwnerAsync();
        var person = await Members.AddAsync(first.Id, MemberRoles.Admin);
        var (second, secondOwner) = await GivenOrganizationWithOwnerAsync();

        var result = await WithInvitationsAsync(s => s.InviteAsync(Actors.Of(secondOwner), second.Id, person.Email!, MemberRoles.Auditor, IdP));

        Assert.Equal(InvitationOutcome.JoinInvitationSent, result.Outcome);
        Assert.Equal(UserState.Active, (await LoadUserAsync(person.Id)).State);
        Assert.Null(await LoadMembershipAsync(second.Id, person.Id));
        var invitation = Assert.Single(await InvitationsOfAsync(person.Id));
        Assert.Equal(InvitationPurpose.Membership, invitation.Purpose);
        var mail = Assert.Single(Mail.To(person.Email!));
        Assert.StartsWith("You are invited to join", mail.Subject, StringComparison.Ordinal);

        // Only the invited person accepts it.
        await using (var scope = OpenScope())
        {
            await DomainAssert.RefusedAsync(DomainErrors.MembershipInvitationNotFound.Code,
                () => Joins(scope).AcceptAsync(Actors.Of(secondOwner), invitation.Id));
        }

        await using (var scope = OpenScope())
        {
            await Joins(scope).AcceptAsync(Actors.Of(person), invitation.Id);
        }

        Assert.Equal(OrganizationRole.Auditor, (await LoadMembershipAsync(second.Id, person.Id))!.OrganizationRole);
        await using (var scope = OpenScope())
        {
            await DomainAssert.RefusedAsync(DomainErrors.MembershipInvitationNotFound.Code,
                () => Joins(scope).AcceptAsync(Actors.Of(person), invitation.Id));
        }
    }

    [Fact]
    public async Task ResetUser_ByAnOwnerOfOnlyOneOfTheUsersOrganizations_IsRefusedAndChangesNothing()
    {
        var (first, firstOwner) = await GivenOrganizationWithOwnerAsync();
        var person = await Members.AddAsync(first.Id, MemberRoles.Admin);
        var (second, secondOwner) = await GivenOrganizationWithOwnerAsync();
        await using (var scope = OpenScope())
        {
            await scope.Memberships.AddMemberAsync(Actors.Operator, second.Id, person.Email!, MemberRoles.Auditor);
        }

        var before = await LoadUserAsync(person.Id);
        await using (var scope = OpenScope())
        {
            await DomainAssert.RefusedAsync(DomainErrors.AccountBeyondOrganization.Code,
                () => Resets(scope).ResetUserAsync(Actors.Of(secondOwner), person.Id, second.Id, IdP));
        }

        var after = await LoadUserAsync(person.Id);
        Assert.Equal((before.State, before.SecurityStamp), (after.State, after.SecurityStamp));

        // An Owner of both organizations may.
        await using (var scope = OpenScope())
        {
            await scope.Memberships.AddMemberAsync(Actors.Operator, second.Id, firstOwner.Email!, MemberRoles.Owner);
        }

        await using (var scope = OpenScope())
        {
            await Resets(scope).ResetUserAsync(Actors.Of(firstOwner), person.Id, first.Id, IdP);
        }

        Assert.Equal(UserState.Reset, (await LoadUserAsync(person.Id)).State);
    }

    [Fact]
    public async Task SsoOrganization_MemberIsActiveAtOnce_WithoutInvitation()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync(sso: true);
        var email = Unique.Email("sso");

        var result = await WithInvitationsAsync(s => s.InviteAsync(Actors.Of(owner), organization.Id, email, MemberRoles.Admin, IdP));

        Assert.Equal(InvitationOutcome.ActiveThroughSso, result.Outcome);
        Assert.Equal(UserState.Active, (await LoadUserAsync(result.UserId)).State);
        Assert.Empty(await InvitationsOfAsync(result.UserId));
        Assert.DoesNotContain(Mail.To(email), m => m.Links.Any(l => l.AbsolutePath.StartsWith("/activate/", StringComparison.Ordinal)));
    }
}

public sealed class ActivationTestsOnSqlite(SqliteDatabaseFixture fixture)
    : ActivationTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class ActivationTestsOnPostgres(PostgresDatabaseFixture fixture)
    : ActivationTests(fixture), IClassFixture<PostgresDatabaseFixture>;
