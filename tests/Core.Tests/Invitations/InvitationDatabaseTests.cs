using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Mail;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Resets;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;

namespace KeyPortal.Core.Tests.Invitations;

/// <summary>Every email "sent", in order, readable by tests for its links and codes.</summary>
public sealed partial class RecordingEmailSender : IEmailSender
{
    private readonly ConcurrentQueue<EmailMessage> _sent = new();

    public IReadOnlyList<EmailMessage> Sent => [.. _sent];

    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        _sent.Enqueue(message);
        return Task.CompletedTask;
    }

    public IReadOnlyList<EmailMessage> To(string address) => [.. _sent.Where(m => m.To == address)];

    public EmailMessage LastTo(string address) => To(address)[^1];

    /// <summary>The token of the last link of <paramref name="path"/> sent to <paramref name="address"/>.</summary>
    public string LastToken(string address, string path)
    {
        var link = To(address).SelectMany(m => m.Links).Last(l => l.AbsolutePath.StartsWith($"/{path}/", StringComparison.Ordinal));
        return link.AbsolutePath[(path.Length + 2)..];
    }

    public string LastCode(string address) => CodePattern().Match(To(address).Last(m => CodePattern().IsMatch(m.TextBody)).TextBody).Groups[1].Value;

    [GeneratedRegex(@"Your one-time code is (\d{6})\.")]
    private static partial Regex CodePattern();
}

/// <summary>
/// Base of the invitation suites: the Core services over one scope as an app gets them, a
/// recording mail sender, and a snapshot of everything these features write.
/// </summary>
public abstract class InvitationDatabaseTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    protected static readonly Uri IdP = new("https://idp.test/");

    protected const string GoodPassword = "Correct-Horse-Battery-9";

    protected RecordingEmailSender Mail { get; } = new();

    protected InvitationOptions Settings { get; } = new();

    protected InvitationService Invitations(CoreScope scope) =>
        new(scope.Db, scope.Audit, Clock, scope.Memberships, Joins(scope), Options.Create(Settings), Options.Create(new PublicUrlOptions()), Mail, UsersOf(scope.Db));

    /// <summary>
    /// The account a browser confirmed the link's code for, as the IdP's confirmation cookie
    /// carries it: the link's own account (tests of the binding pass another id or none).
    /// </summary>
    protected Guid? ConfirmedHere(string token)
    {
        using var db = Database.CreateContext();
        var hash = Invitation.HashToken(token);
        return hash is null ? null : db.Invitations.Where(i => i.TokenHash == hash).Select(i => (Guid?)i.UserId).SingleOrDefault();
    }

    protected MembershipInvitations Joins(CoreScope scope) =>
        new(scope.Db, scope.Audit, Clock, scope.Memberships, Options.Create(Settings), Options.Create(new PublicUrlOptions()),
            new UpperInvariantLookupNormalizer(), Mail);

    protected OrganizationOnboarding Onboarding(CoreScope scope) =>
        new(scope.Db, scope.Audit, Clock, scope.Organizations, scope.Memberships, Invitations(scope), Options.Create(Settings), Options.Create(new PublicUrlOptions()), Mail);

    protected AccountResetService Resets(CoreScope scope) =>
        new(scope.Db, scope.Audit, Clock, Options.Create(Settings), Mail, UsersOf(scope.Db));

    protected async Task<T> WithInvitationsAsync<T>(Func<InvitationService, Task<T>> action)
    {
        await using var scope = OpenScope();
        return await action(Invitations(scope));
    }

    protected async Task WithInvitationsAsync(Func<InvitationService, Task> action)
    {
        await using var scope = OpenScope();
        await action(Invitations(scope));
    }

    protected async Task WithResetsAsync(Func<AccountResetService, Task> action)
    {
        await using var scope = OpenScope();
        await action(Resets(scope));
    }

    /// <summary>A new person invited as Admin to a new organization; returns them and the link's token.</summary>
    protected async Task<(Organization Organization, User Owner, InvitationResult Invited, string Token)> GivenInvitedAsync()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var email = Unique.Email("invitee");
        var invited = await WithInvitationsAsync(s => s.InviteAsync(Actors.Of(owner), organization.Id, email, MemberRoles.Admin, IdP));
        return (organization, owner, invited, Mail.LastToken(email, InvitationLinks.ActivationPath));
    }

    protected async Task<string> SendCodeAsync(string token, string email)
    {
        await WithInvitationsAsync(s => s.SendCodeAsync(token));
        return Mail.LastCode(email);
    }

    protected static string WrongCode(string code) => ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    protected async Task<Invitation> LoadInvitationAsync(Guid id)
    {
        await using var db = Database.CreateContext();
        return await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    protected async Task<List<Invitation>> InvitationsOfAsync(Guid userId)
    {
        await using var db = Database.CreateContext();
        return await db.Invitations.AsNoTracking().Where(i => i.UserId == userId).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).ToListAsync();
    }

    /// <summary>Asserts the refusal and that nothing these features write changed, nor was any email sent.</summary>
    protected async Task<DomainError> RefusedUnchangedAsync(string code, Func<Task> action)
    {
        var before = await SnapshotAsync();
        var mails = Mail.Sent.Count;
        var error = await DomainAssert.RefusedAsync(code, action);
        Assert.Equal(before, await SnapshotAsync());
        Assert.Equal(mails, Mail.Sent.Count);
        return error;
    }

    /// <summary>Users (state, stamp, password, TOTP), invitations (every column), passkeys, identity tokens, sessions, OAuth tokens, audit.</summary>
    protected async Task<string> SnapshotAsync()
    {
        await using var db = Database.CreateContext();
        var users = await db.Users.OrderBy(u => u.Id)
            .Select(u => $"{u.Id}:{u.State}:{u.SecurityStamp}:{u.PasswordHash}:{u.TwoFactorEnabled}").ToListAsync();
        var invitations = (await db.Invitations.AsNoTracking().OrderBy(i => i.Id).ToListAsync())
            .Select(i => string.Join(":", i.Id, i.Version, i.SupersededAt, i.UsedAt, Convert.ToHexString(i.CodeHash ?? []),
                i.CodeExpiresAt, i.FailedAttempts, i.LockedUntil, i.CodeVerifiedAt, i.ExpiresAt));
        var counts = string.Join(",",
            await db.PasskeyCredentials.CountAsync(),
            await db.Set<IdentityUserToken<Guid>>().CountAsync(),
            await db.UserSessions.CountAsync(s => s.EndedAt == null),
            await db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Status == "valid"),
            await db.Memberships.CountAsync(),
            await db.Organizations.CountAsync(),
            await db.AuditEntries.CountAsync());
        return string.Join("|", users) + "||" + string.Join("|", invitations) + "||" + counts;
    }

    private UserManager<User> UsersOf(PortalDbContext db)
    {
        var identity = new IdentityOptions();
        CoreServiceCollectionExtensions.ConfigureIdentity(identity);
        return new UserManager<User>(
            new UserOnlyStore<User, PortalDbContext, Guid>(db),
            Options.Create(identity),
            new PasswordHasher<User>(),
            [],
            [new PasswordValidator<User>()],
            new UpperInvariantLookupNormalizer(),
            new IdentityErrorDescriber(),
            null!,
            NullLogger<UserManager<User>>.Instance);
    }

    /// <summary>
    /// The activation step as the IdP runs it (<see cref="InvitationService.ActivateAsync"/>), with
    /// the passkey stored the way PasskeyService stores one; returns the activated account.
    /// </summary>
    protected async Task<Guid> ActivateWithPasskeyAsync(string token)
    {
        await using var scope = OpenScope();
        return await Invitations(scope).ActivateAsync(token, ConfirmedHere(token), null, async (ticket, ct) =>
        {
            var user = await scope.Db.Users.SingleAsync(u => u.Id == ticket.UserId, ct);
            scope.Db.PasskeyCredentials.Add(NewPasskey(ticket.UserId));
            user.PasswordHash = null;
            user.TransitionTo(UserState.Active, Clock.GetUtcNow());
            await scope.Db.SaveChangesAsync(ct);
            return ticket.UserId;
        });
    }

    /// <summary>The activation step with a ceremony that stored nothing.</summary>
    protected Task ActivateWithoutPasskeyAsync(string token) =>
        WithInvitationsAsync(s => s.ActivateAsync(token, ConfirmedHere(token), null, (ticket, _) => Task.FromResult(ticket.UserId)));

    protected PasskeyCredential NewPasskey(Guid userId) => new()
    {
        Id = Guid.NewGuid(),
        UserId = userId,
        CredentialId = RandomNumberGenerator.GetBytes(16),
        PublicKey = [1, 2, 3],
        Name = "YubiKey 5 NFC",
        CreatedAt = Clock.GetUtcNow(),
    };

    protected static byte[] Sha256OfToken(string token) => SHA256.HashData(System.Buffers.Text.Base64Url.DecodeFromChars(token));
}
