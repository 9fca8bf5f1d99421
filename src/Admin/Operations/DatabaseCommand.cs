using KeyPortal.Core.Auditing;
using KeyPortal.Core.Resets;
using KeyPortal.Core.Seeding;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

using KeyPortal.Core;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;

namespace KeyPortal.Admin.Operations;

/// <summary>
/// Commands the apps run instead of serving, then exit:
/// <list type="bullet">
/// <item><c>migrate [--seed-demo]</c>: applies migrations (and the demo seed). Run once before
/// starting the apps, so several instances never race to migrate.</item>
/// <item><c>operator-link &lt;email&gt; [--if-no-passkey]</c>: makes the address a platform operator
/// (creating the account if needed) and emails it a set-up link (an account reset: every
/// credential and session of the account ends). The operator console admits operators signed in
/// with a passkey only, and a password session may not enrol an operator's passkey, so this is
/// how the first operator of an installation, or one who lost every key, gets in.</item>
/// </list>
/// </summary>
public static class DatabaseCommand
{
    public static bool IsRequested(string[] args) => args is ["migrate", ..] or ["operator-link", _, ..];

    private const string PromoteExisting = "--promote-existing";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await DatabaseMigrator.MigrateAsync(db);
        await output.WriteLineAsync($"Database migrated ({db.Database.ProviderName}).");
        if (args is ["operator-link", var email, ..])
        {
            return await SendOperatorLinkAsync(scope.ServiceProvider, db, email, args.Contains("--if-no-passkey"), args.Contains(PromoteExisting), output);
        }

        if (args.Contains("--seed-demo"))
        {
            var seeded = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
            await output.WriteLineAsync(seeded ? "Demo data created." : "Demo data already present.");
            await output.WriteLineAsync($"Demo accounts (password where one is set: {DemoSeeder.DemoPassword}):");
            foreach (var account in DemoSeeder.Accounts)
            {
                await output.WriteLineAsync("    " + account);
            }
        }

        return 0;
    }

    private static async Task<int> SendOperatorLinkAsync(
        IServiceProvider services, PortalDbContext db, string address, bool ifNoPasskey, bool promoteExisting, TextWriter output)
    {
        if (!EmailAddress.TryParse(address, out var email))
        {
            await output.WriteLineAsync($"'{address}' is not an email address.");
            return 2;
        }

        var normalized = services.GetRequiredService<ILookupNormalizer>().NormalizeEmail(email);
        var clock = services.GetRequiredService<TimeProvider>();
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized);
        if (user is null)
        {
            user = User.Create(email, normalized, UserState.Pending, clock.GetUtcNow());
            user.TransitionTo(UserState.Active, clock.GetUtcNow());
            db.Users.Add(user);
        }
        else if (ifNoPasskey && user.IsPlatformOperator && await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id))
        {
            await output.WriteLineAsync($"{email} is an operator with a passkey already: no link sent.");
            return 0;
        }

        else if (!user.IsPlatformOperator && !promoteExisting)
        {
            // A typo must not turn a customer into an operator (and wipe their credentials).
            await output.WriteLineAsync($"{email} is an existing account that is not an operator. To make it one (its credentials are reset), run again with {PromoteExisting}.");
            return 2;
        }
        else if (user.State is not (UserState.Active or UserState.ActiveDemo or UserState.Reset))
        {
            // Checked before anything is granted: the reset would refuse this state.
            await output.WriteLineAsync($"{email} is {UserStateNames.Display(user.State)}: no link sent, nothing changed.");
            return 2;
        }

        if (!user.IsPlatformOperator)
        {
            user.IsPlatformOperator = true;
            services.GetRequiredService<AuditTrail>().Record(AuditActor.System, AuditActions.OperatorGranted, null, user.Id,
                new { email, by = "operator-link command" });
        }

        await db.SaveChangesAsync();
        if (user.State == UserState.Reset)
        {
            await output.WriteLineAsync($"{email} was sent a set-up link already (see that email; it works for a day). Once it has expired, another operator resets the account again.");
            return 0;
        }

        var urls = services.GetRequiredService<IOptions<PublicUrlOptions>>().Value;
        await services.GetRequiredService<AccountResetService>().ResetUserAsync(AuditActor.System, user.Id, null, urls.IdP);
        await output.WriteLineAsync($"Set-up link emailed to {email}: open it to register a passkey, then sign in to the operator console.");
        return 0;
    }
}
