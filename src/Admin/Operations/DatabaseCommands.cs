using System.CommandLine;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Operations;

/// <summary>
/// <c>db migrate</c>, and the installation's first commands, which run.sh and deployments call
/// and whose output lines they read: <c>migrate [--seed-demo]</c> and
/// <c>operator-link EMAIL [--if-no-passkey] [--promote-existing]</c>. Both of those migrate first.
/// </summary>
internal static class DatabaseCommands
{
    private const string PromoteExisting = "--promote-existing";

    public static Command Db(CliRuntime cli)
    {
        var migrate = new Command("migrate", "Apply the database migrations. Run it once before starting the apps, so several instances never race to migrate.");
        migrate.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var provider = await MigrateAsync(services, ct);
            return new CommandOutput(new { migrated = true, provider }, [$"Database migrated ({provider})."]);
        }, ct, migrates: true));
        return new Command("db", "The database.") { migrate };
    }

    public static Command Migrate(CliRuntime cli)
    {
        var seedDemo = new Option<bool>("--seed-demo") { Description = "Also create the demo organizations and accounts (once)." };
        var command = new Command("migrate", "Apply the database migrations (as db migrate), optionally with the demo data.") { seedDemo };
        command.SetAction((parse, ct) => cli.RunTextAsync(async (services, output, ct) =>
        {
            await output.WriteLineAsync($"Database migrated ({await MigrateAsync(services, ct)}).");
            if (parse.GetValue(seedDemo))
            {
                var seeded = await services.GetRequiredService<DemoSeeder>().SeedAsync(ct);
                await output.WriteLineAsync(seeded ? "Demo data created." : "Demo data already present.");
                await output.WriteLineAsync($"Demo accounts (password where one is set: {DemoSeeder.DemoPassword}):");
                foreach (var account in DemoSeeder.Accounts)
                {
                    await output.WriteLineAsync("    " + account);
                }
            }

            return 0;
        }, ct));
        return command;
    }

    public static Command OperatorLink(CliRuntime cli)
    {
        var email = new Argument<string>("email") { Description = "The operator's email address." };
        var ifNoPasskey = new Option<bool>("--if-no-passkey") { Description = "Send nothing to an operator who has a passkey already." };
        var promoteExisting = new Option<bool>(PromoteExisting) { Description = "Make an existing account that is not an operator one (its credentials are reset)." };
        var command = new Command(
            "operator-link",
            "Make the address a platform operator (creating the account if needed) and email it a set-up link. Migrates first. See also operator add.")
        {
            email, ifNoPasskey, promoteExisting,
        };
        command.SetAction((parse, ct) => cli.RunTextAsync(async (services, output, ct) =>
        {
            await output.WriteLineAsync($"Database migrated ({await MigrateAsync(services, ct)}).");
            var address = parse.GetRequiredValue(email);
            if (!KeyPortal.Core.Users.EmailAddress.TryParse(address, out var parsed))
            {
                await output.WriteLineAsync($"'{address}' is not an email address.");
                return CliRuntime.UsageError;
            }

            var grant = await OperatorAccess.GrantAsync(
                services, AuditActor.System, parsed, parse.GetValue(ifNoPasskey), parse.GetValue(promoteExisting), "operator-link command", ct);
            var (line, exitCode) = grant.Outcome switch
            {
                OperatorGrantOutcome.HasPasskey => ($"{parsed} is an operator with a passkey already: no link sent.", 0),
                OperatorGrantOutcome.NotAnOperator => ($"{parsed} is an existing account that is not an operator. To make it one (its credentials are reset), run again with {PromoteExisting}.", CliRuntime.UsageError),
                OperatorGrantOutcome.StateRefused => ($"{parsed} is {UserStateNames.Display(grant.State!.Value)}: no link sent, nothing changed.", CliRuntime.UsageError),
                OperatorGrantOutcome.LinkSentEarlier => ($"{parsed} was sent a set-up link already (see that email; it works for a day). Once it has expired, another operator resets the account again.", 0),
                _ => ($"Set-up link emailed to {parsed}: open it to register a passkey, then sign in to the operator console.", 0),
            };
            await output.WriteLineAsync(line);
            return exitCode;
        }, ct));
        return command;
    }

    private static async Task<string?> MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        await DatabaseMigrator.MigrateAsync(db, cancellationToken);
        await Hosting.DataProtectionKeyRing.EnsureAsync(services, cancellationToken);
        return db.Database.ProviderName;
    }
}
