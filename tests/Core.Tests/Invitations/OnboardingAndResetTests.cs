using KeyPortal.Core.Invitations;
using Microsoft.AspNetCore.Identity;
using OpenIddict.EntityFrameworkCore.Models;

namespace KeyPortal.Core.Tests.Invitations;

public abstract class OnboardingAndResetTests(DatabaseFixture fixture) : InvitationDatabaseTests(fixture)
{
    [Fact]
    public async Task Onboarding_CreatesOrganizationAndOwner_AndThePasswordPathYieldsDemoMode()
    {
        var email = Unique.Email("first-owner");
        await using var scope = OpenScope();

        var onboarded = await Onboarding(scope).CreateWithFirstOwnerAsync(Actors.Operator, "Globex", Unique.Slug("globex"), OrganizationKind.Customer, email, IdP);

        var ownerId = onboarded.Owner.UserId;
        Assert.True((await LoadMembershipAsync(onboarded.Organization.Id, ownerId))!.Roles.IsOwner);
        var invitation = Assert.Single(await InvitationsOfAsync(ownerId));
        Assert.True(invitation.IsOnboarding);
        var token = Mail.LastToken(email, InvitationLinks.ActivationPath);
        Assert.True((await WithInvitationsAsync(s => s.OpenAsync(token))).IsOnboarding);
        await RefusedUnchangedAsync("code.required", () => WithInvitationsAsync(s => s.OnboardingPasswordAsync(token, GoodPassword, ConfirmedHere(token))));
        var code = await SendCodeAsync(token, email);
        await WithInvitationsAsync(s => s.VerifyCodeAsync(token, code));
        await RefusedUnchangedAsync("password.invalid", () => WithInvitationsAsync(s => s.OnboardingPasswordAsync(token, "short", ConfirmedHere(token))));

        await WithInvitationsAsync(s => s.OnboardingPasswordAsync(token, GoodPassword, ConfirmedHere(token)));

        var owner = await LoadUserAsync(ownerId);
        Assert.Equal(UserState.ActiveDemo, owner.State);
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<User>().VerifyHashedPassword(owner, owner.PasswordHash!, GoodPassword));
        await RefusedUnchangedAsync("invitation.used", () => WithInvitationsAsync(s => s.OnboardingPasswordAsync(token, GoodPassword, ConfirmedHere(token))));
    }

    [Fact]
    public async Task Onboarding_WithATakenSlug_CreatesNothing()
    {
        var slug = Unique.Slug("taken");
        await using (var scope = OpenScope())
        {
            await Onboarding(scope).CreateWithFirstOwnerAsync(Actors.Operator, "First", slug, OrganizationKind.Customer, Unique.Email(), IdP);
        }

        await using var second = OpenScope();
        await RefusedUnchangedAsync("organization.slug_taken",
            () => Onboarding(second).CreateWithFirstOwnerAsync(Actors.Operator, "Second", slug, OrganizationKind.Customer, Unique.Email(), IdP));
    }

    [Fact]
    public async Task PasswordActivation_IsRefusedForAnOrdinaryInvitation()
    {
        var (_, _, invited, token) = await GivenInvitedAsync();
        var code = await SendCodeAsync(token, invited.Email);
        await WithInvitationsAsync(s => s.VerifyCodeAsync(token, code));

        await RefusedUnchangedAsync("onboarding.password_not_allowed", () => WithInvitationsAsync(s => s.OnboardingPasswordAsync(token, GoodPassword, ConfirmedHere(token))));
    }

    [Fact]
    public async Task ResetUser_WipesCredentialsAndSessions_ThenCodeThenSecondEmailWithActivationLink()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var user = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await GivenCredentialsAndSessionsAsync(user.Id);

        await WithResetsAsync(s => s.ResetUserAsync(Actors.Of(owner), user.Id, organization.Id, IdP));

        var reset = await LoadUserAsync(user.Id);
        Assert.Equal((UserState.Reset, (string?)null, false), (reset.State, reset.PasswordHash, reset.TwoFactorEnabled));
        Assert.NotEqual(user.SecurityStamp, reset.SecurityStamp);
        await using (var db = Database.CreateContext())
        {
            Assert.False(await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id));
            Assert.False(await db.Set<IdentityUserToken<Guid>>().AnyAsync(t => t.UserId == user.Id));
            Assert.All(await db.UserSessions.Where(s => s.UserId == user.Id).ToListAsync(), s => Assert.NotNull(s.EndedAt));
            Assert.Equal("revoked", (await db.Set<OpenIddictEntityFrameworkCoreToken>().SingleAsync(t => t.Subject == user.Id.ToString())).Status);
        }

        var resetToken = Mail.LastToken(user.Email!, InvitationLinks.AccountResetPath);
        Assert.Equal(InvitationPurpose.AccountReset, (await WithInvitationsAsync(s => s.OpenAsync(resetToken))).Purpose);
        await RefusedUnchangedAsync("code.required", () => WithResetsAsync(s => s.SendResetActivationAsync(resetToken, IdP)));
        await RefusedUnchangedAsync("invitation.wrong_step", () => WithInvitationsAsync(s => s.AuthorizeActivationAsync(resetToken, ConfirmedHere(resetToken))));
        var code = await SendCodeAsync(resetToken, user.Email!);
        Assert.Equal(InvitationPurpose.AccountReset, await WithInvitationsAsync(s => s.VerifyCodeAsync(resetToken, code)));

        await WithResetsAsync(s => s.SendResetActivationAsync(resetToken, IdP));

        var activationToken = Mail.LastToken(user.Email!, InvitationLinks.ActivationPath);
        // The second link lives as long as a reset, not as long as an invitation.
        var second = await WithInvitationsAsync(s => s.OpenAsync(activationToken));
        Assert.Equal(Clock.GetUtcNow() + Settings.ResetLifetime, second.ExpiresAt);
        Assert.NotEqual(Settings.ActivationLifetime, Settings.ResetLifetime);
        Assert.Equal(user.Id, (await WithInvitationsAsync(s => s.AuthorizeActivationAsync(activationToken, ConfirmedHere(activationToken)))).UserId);
        await RefusedUnchangedAsync("invitation.used", () => WithResetsAsync(s => s.SendResetActivationAsync(resetToken, IdP)));
        await ActivateWithPasskeyAsync(activationToken);
        Assert.Equal(UserState.Active, (await LoadUserAsync(user.Id)).State);
    }

    [Fact]
    public async Task ResetUser_OfSomeoneOutsideTheOrganization_IsRefused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var (other, _) = await GivenOrganizationWithOwnerAsync();
        var stranger = await Members.AddAsync(other.Id, MemberRoles.Admin);

        await RefusedUnchangedAsync("membership.not_found", () => WithResetsAsync(s => s.ResetUserAsync(Actors.Of(owner), stranger.Id, organization.Id, IdP)));
    }

    [Fact]
    public async Task ResetPassword_IsRefusedForPasswordlessUsers()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var user = await Members.AddAsync(organization.Id, MemberRoles.Admin);

        await RefusedUnchangedAsync("reset.not_allowed_passwordless",
            () => WithResetsAsync(s => s.ResetPasswordAsync(Actors.Of(owner), user.Id, organization.Id, IdP)));
    }

    [Fact]
    public async Task ResetPassword_EmailsASingleUseLink_ThatSetsANewPassword()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var user = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await GivenPasswordAsync(user.Id, "the old password 1");

        await WithResetsAsync(s => s.ResetPasswordAsync(Actors.Of(owner), user.Id, organization.Id, IdP));
        var token = Mail.LastToken(user.Email!, InvitationLinks.PasswordResetPath);
        await RefusedUnchangedAsync("invitation.wrong_step", () => WithInvitationsAsync(s => s.SendCodeAsync(token)));
        await RefusedUnchangedAsync("password.invalid", () => WithResetsAsync(s => s.CompletePasswordResetAsync(token, "short")));

        await WithResetsAsync(s => s.CompletePasswordResetAsync(token, GoodPassword));

        var changed = await LoadUserAsync(user.Id);
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<User>().VerifyHashedPassword(changed, changed.PasswordHash!, GoodPassword));
        await RefusedUnchangedAsync("invitation.used", () => WithResetsAsync(s => s.CompletePasswordResetAsync(token, "another good password")));
    }

    private async Task GivenPasswordAsync(Guid userId, string password)
    {
        await using var db = Database.CreateContext();
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        user.PasswordHash = new PasswordHasher<User>().HashPassword(user, password);
        await db.SaveChangesAsync();
    }

    private async Task GivenCredentialsAndSessionsAsync(Guid userId)
    {
        await GivenPasswordAsync(userId, GoodPassword);
        await using var db = Database.CreateContext();
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        user.TwoFactorEnabled = true;
        db.PasskeyCredentials.Add(NewPasskey(userId));
        db.Set<IdentityUserToken<Guid>>().Add(new IdentityUserToken<Guid> { UserId = userId, LoginProvider = "[AspNetUserStore]", Name = "AuthenticatorKey", Value = "KEY" });
        var now = Clock.GetUtcNow();
        db.UserSessions.Add(new Core.Sessions.UserSession { Id = Guid.NewGuid(), UserId = userId, AuthenticationMethods = "hwk", CreatedAt = now, LastSeenAt = now, AbsoluteExpiresAt = now.AddHours(8) });
        db.Set<OpenIddictEntityFrameworkCoreToken>().Add(new OpenIddictEntityFrameworkCoreToken { Subject = userId.ToString(), Status = "valid", Type = "refresh_token" });
        await db.SaveChangesAsync();
    }
}

public sealed class OnboardingAndResetTestsOnSqlite(SqliteDatabaseFixture fixture)
    : OnboardingAndResetTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class OnboardingAndResetTestsOnPostgres(PostgresDatabaseFixture fixture)
    : OnboardingAndResetTests(fixture), IClassFixture<PostgresDatabaseFixture>;
