using System.Security.Cryptography;
using System.Text;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Delivery;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Tests.ApiTokens;

/// <summary>SPEC API tokens: who may generate them, how they are stored, and when they stop working.</summary>
public abstract class ApiTokenServiceTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private ApiTokenService Tokens(CoreScope scope) =>
        new(scope.Db, scope.Audit, Clock, Options.Create(new ApiTokenOptions()));

    private async Task<GeneratedApiToken> GenerateAsync(User user, Guid organizationId, string name = "Shipping system", DateTimeOffset? expiresAt = null)
    {
        await using var scope = OpenScope();
        return await Tokens(scope).GenerateAsync(Actors.Of(user), organizationId, name, expiresAt);
    }

    private async Task<ApiTokenCaller?> AuthenticateAsync(string token, string? address = "192.0.2.44")
    {
        await using var scope = OpenScope();
        return await Tokens(scope).AuthenticateAsync(token, address);
    }

    [Fact]
    public async Task A_generated_token_is_stored_as_a_hash_of_its_secret_and_authenticates_its_member_in_its_organization()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();

        var generated = await GenerateAsync(owner, organization.Id);

        Assert.Matches("^kpat_[a-z2-7]{24}\\.[A-Za-z0-9_-]{43}$", generated.Value);
        Assert.Equal(generated.Value.Split('.')[0], generated.Token.PublicId);
        Assert.Equal(Clock.GetUtcNow().AddDays(365), generated.Token.ExpiresAt);
        await using (var db = Database.CreateContext())
        {
            var stored = await db.ApiTokens.AsNoTracking().SingleAsync(t => t.Id == generated.Token.Id);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(generated.Value.Split('.')[1])), stored.SecretHash);
            Assert.DoesNotContain(generated.Value.Split('.')[1], stored.PublicId + stored.Name, StringComparison.Ordinal);
        }

        var caller = await AuthenticateAsync(generated.Value);
        Assert.Equal(new ApiTokenCaller(generated.Token.Id, generated.Token.PublicId, owner.Id, organization.Id), caller);
        var entry = Assert.Single(await AuditOfOrganizationAsync(organization.Id), a => a.Action == AuditActions.ApiTokenGenerated);
        Assert.Contains(generated.Token.PublicId, entry.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(generated.Value.Split('.')[1], entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_an_unknown_id_and_a_malformed_token_are_all_refused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var generated = await GenerateAsync(owner, organization.Id);
        var other = ApiTokenSecret.Generate();

        Assert.Null(await AuthenticateAsync($"{generated.Token.PublicId}.{other.Secret}"));
        Assert.Null(await AuthenticateAsync(other.Value));
        Assert.Null(await AuthenticateAsync(generated.Value + "x"));
        Assert.Null(await AuthenticateAsync(generated.Value.ToUpperInvariant()));
        Assert.Null(await AuthenticateAsync(""));
        Assert.NotNull(await AuthenticateAsync(generated.Value));
    }

    [Theory]
    [InlineData("auditor")]
    [InlineData("reseller")]
    [InlineData("demo-owner")]
    public async Task Members_without_the_permission_cannot_generate_and_nothing_is_written(string who)
    {
        var organization = await GivenOrganizationAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        await Members.AddAsync(organization.Id, MemberRoles.Owner);
        var member = who switch
        {
            "auditor" => await Members.AddAsync(organization.Id, new MemberRoles(OrganizationRole.Auditor, ChannelRoles.None)),
            "reseller" => await Members.AddAsync(organization.Id, new MemberRoles(null, ChannelRoles.Reseller)),
            _ => await Members.AddAsync(organization.Id, MemberRoles.Owner, UserState.ActiveDemo),
        };
        var auditBefore = await LastAuditIdAsync();

        await DomainAssert.RefusedAsync(DomainErrors.ApiTokenNotPermitted.Code, () => GenerateAsync(member, organization.Id));

        await using var db = Database.CreateContext();
        Assert.False(await db.ApiTokens.AnyAsync(t => t.OrganizationId == organization.Id));
        Assert.Equal(auditBefore, await LastAuditIdAsync());
    }

    [Fact]
    public async Task Names_and_expiries_outside_the_rules_are_refused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();

        await DomainAssert.RefusedAsync(DomainErrors.ApiTokenNameInvalid.Code, () => GenerateAsync(owner, organization.Id, name: "  "));
        await DomainAssert.RefusedAsync(DomainErrors.ApiTokenNameInvalid.Code, () => GenerateAsync(owner, organization.Id, name: "line\nbreak"));
        await Assert.ThrowsAsync<DomainException>(() => GenerateAsync(owner, organization.Id, expiresAt: Clock.GetUtcNow().AddMinutes(-1)));
        await Assert.ThrowsAsync<DomainException>(() => GenerateAsync(owner, organization.Id, expiresAt: Clock.GetUtcNow().AddDays(731)));

        await using var db = Database.CreateContext();
        Assert.False(await db.ApiTokens.AnyAsync(t => t.OrganizationId == organization.Id));
    }

    [Fact]
    public async Task An_expired_token_stops_working()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var generated = await GenerateAsync(owner, organization.Id, expiresAt: Clock.GetUtcNow().AddHours(2));

        Clock.Advance(TimeSpan.FromHours(2));

        Assert.Null(await AuthenticateAsync(generated.Value));
    }

    [Fact]
    public async Task Suspension_deletes_the_members_tokens_in_every_organization()
    {
        var (first, owner) = await GivenOrganizationWithOwnerAsync();
        var second = await GivenOrganizationAsync();
        await Members.AddAsync(second.Id, MemberRoles.Owner);
        await Members.AddAsync(second.Id, MemberRoles.Admin, email: owner.Email);
        var a = await GenerateAsync(owner, first.Id);
        var b = await GenerateAsync(owner, second.Id);

        await using (var scope = OpenScope())
        {
            await scope.Accounts.SuspendAsync(Actors.Operator, owner.Id, "fraud investigation");
        }

        Assert.Null(await AuthenticateAsync(a.Value));
        Assert.Null(await AuthenticateAsync(b.Value));
        await using var db = Database.CreateContext();
        Assert.False(await db.ApiTokens.AnyAsync(t => t.UserId == owner.Id));
        // Each deleted token is on the record of its organization, with the reason.
        Assert.Contains(await AuditOfOrganizationAsync(first.Id), e => e.Action == AuditActions.ApiTokenRevoked && e.Details.Contains("suspended", StringComparison.Ordinal));
        Assert.Contains(await AuditOfOrganizationAsync(second.Id), e => e.Action == AuditActions.ApiTokenRevoked && e.Details.Contains(b.Token.PublicId, StringComparison.Ordinal));

        // Lifting the suspension revives no deleted token.
        await using (var scope = OpenScope())
        {
            await scope.Accounts.LiftSuspensionAsync(Actors.Operator, owner.Id);
        }

        Assert.Null(await AuthenticateAsync(a.Value));
    }

    [Fact]
    public async Task Demotion_to_auditor_ends_the_token_and_promotion_does_not_bring_it_back()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var admin = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        var generated = await GenerateAsync(admin, organization.Id);

        await using (var scope = OpenScope())
        {
            await scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, admin.Id, new MemberRoles(OrganizationRole.Auditor, ChannelRoles.None));
        }

        Assert.Null(await AuthenticateAsync(generated.Value));
        var ended = Assert.Single(await AuditOfOrganizationAsync(organization.Id), a => a.Action == AuditActions.ApiTokenRevoked);
        Assert.Contains(generated.Token.PublicId, ended.Details, StringComparison.Ordinal);
        Assert.Contains("no longer allowed", ended.Details, StringComparison.Ordinal);
        Assert.Equal(owner.Id, ended.ActorUserId);
        await using (var scope = OpenScope())
        {
            await scope.Memberships.ChangeRolesAsync(Actors.Of(owner), organization.Id, admin.Id, MemberRoles.Admin);
        }

        Assert.Null(await AuthenticateAsync(generated.Value));
    }

    [Fact]
    public async Task Removal_from_the_organization_ends_the_token_there_but_not_the_members_tokens_elsewhere()
    {
        var (first, owner) = await GivenOrganizationWithOwnerAsync();
        var (second, _) = await GivenOrganizationWithOwnerAsync();
        var admin = await Members.AddAsync(first.Id, MemberRoles.Admin);
        await Members.AddAsync(second.Id, MemberRoles.Admin, email: admin.Email);
        var inFirst = await GenerateAsync(admin, first.Id);
        var inSecond = await GenerateAsync(admin, second.Id);

        await using (var scope = OpenScope())
        {
            await scope.Memberships.RemoveMemberAsync(Actors.Of(owner), first.Id, admin.Id);
        }

        Assert.Null(await AuthenticateAsync(inFirst.Value));
        Assert.Equal(second.Id, (await AuthenticateAsync(inSecond.Value))?.OrganizationId);
    }

    [Fact]
    public async Task Last_use_is_recorded_with_the_address_at_most_once_a_minute()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var generated = await GenerateAsync(owner, organization.Id);

        await AuthenticateAsync(generated.Value, "192.0.2.1");
        var first = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromSeconds(20));
        await AuthenticateAsync(generated.Value, "192.0.2.2");

        await using (var scope = OpenScope())
        {
            var listed = Assert.Single(await Tokens(scope).ListAsync(organization.Id));
            Assert.Equal(first, listed.LastUsedAt);
            Assert.Equal("192.0.2.1", listed.LastUsedFrom);
            Assert.Equal(owner.Email, listed.CreatedBy);
        }

        Clock.Advance(TimeSpan.FromSeconds(41));
        await AuthenticateAsync(generated.Value, "192.0.2.3");
        await using (var scope = OpenScope())
        {
            Assert.Equal("192.0.2.3", Assert.Single(await Tokens(scope).ListAsync(organization.Id)).LastUsedFrom);
        }
    }

    [Fact]
    public async Task Revoking_is_for_the_organizations_owners_and_admins_and_stops_the_token()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var (elsewhere, otherOwner) = await GivenOrganizationWithOwnerAsync();
        var generated = await GenerateAsync(owner, organization.Id);

        await using (var scope = OpenScope())
        {
            // Another organization's Owner cannot reach it, even by id.
            await DomainAssert.RefusedAsync(DomainErrors.ApiTokenNotPermitted.Code, () => Tokens(scope).RevokeAsync(Actors.Of(otherOwner), organization.Id, generated.Token.Id));
            await DomainAssert.RefusedAsync(DomainErrors.ApiTokenNotFound.Code, () => Tokens(scope).RevokeAsync(Actors.Of(otherOwner), elsewhere.Id, generated.Token.Id));
        }

        Assert.NotNull(await AuthenticateAsync(generated.Value));
        var admin = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using (var scope = OpenScope())
        {
            await Tokens(scope).RevokeAsync(Actors.Of(admin), organization.Id, generated.Token.Id);
        }

        Assert.Null(await AuthenticateAsync(generated.Value));
        Assert.Single(await AuditOfOrganizationAsync(organization.Id), a => a.Action == AuditActions.ApiTokenRevoked);
    }

    [Fact]
    public async Task A_generated_tokens_text_form_names_its_id_never_its_secret()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();

        var generated = await GenerateAsync(owner, organization.Id);

        Assert.Equal(generated.Token.PublicId, generated.ToString());
    }

    [Fact]
    public void The_secret_never_appears_in_the_tokens_text_form()
    {
        var secret = ApiTokenSecret.Generate();

        Assert.Equal(secret.PublicId, secret.ToString());
        Assert.True(ApiTokenSecret.IsPublicId(secret.PublicId));
        Assert.False(ApiTokenSecret.IsPublicId("kpat_" + new string('A', 24)));
        Assert.Equal(secret, ApiTokenSecret.Parse(secret.Value));
    }
}

public sealed class ApiTokenServiceTestsOnSqlite(SqliteDatabaseFixture fixture) : ApiTokenServiceTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class ApiTokenServiceTestsOnPostgres(PostgresDatabaseFixture fixture) : ApiTokenServiceTests(fixture), IClassFixture<PostgresDatabaseFixture>;
