using System.CommandLine;
using KeyPortal.Core;
using KeyPortal.Core.Resets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Operations;

/// <summary><c>user show | suspend | unsuspend | reset</c>: one account across every organization.</summary>
internal static class UserCommands
{
    public static Command Create(CliRuntime cli) =>
        new("user", "Accounts, across every organization.")
        {
            ShowCommand(cli), SuspendCommand(cli), UnsuspendCommand(cli), ResetCommand(cli),
        };

    private static Argument<string> Email() => new("email") { Description = "The account's email address (any case)." };

    private static Command ShowCommand(CliRuntime cli)
    {
        var email = Email();
        var command = new Command("show", "One account: state, memberships, passkeys and sessions.") { email };
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var id = await Lookups.UserIdAsync(services, parse.GetRequiredValue(email), ct);
            var profile = await services.GetRequiredService<UserDirectory>().GetAsync(id, ct);
            var activeSessions = profile.Sessions.Count(s => s.Active);
            var models = profile.Passkeys.Select(p => p.Model ?? "unknown model").ToList();
            List<string> lines =
            [
                profile.Email,
                $"State: {UserStateNames.Display(profile.State)}"
                    + (profile.StateBeforeSuspension is { } before && profile.State == UserState.Suspended ? $" (was {UserStateNames.Display(before)})" : ""),
                $"Platform operator: {(profile.IsPlatformOperator ? "yes" : "no")}",
                $"Last login: {Lookups.Time(profile.LastLoginAt)}",
                $"Password: {(profile.HasPassword ? "yes" : "no")}, MFA: {(profile.TotpEnabled ? "yes" : "no")}, passwordless: {(profile.Passwordless ? "yes" : "no")}",
                $"Passkeys: {profile.Passkeys.Count}" + (models.Count > 0 ? $" ({string.Join(", ", models)})" : ""),
                $"Active sessions: {activeSessions}",
                $"Memberships: {profile.Memberships.Count}",
            ];
            lines.AddRange(profile.Memberships.Select(m => $"  {m.OrganizationSlug,-24} {m.OrganizationName}  {m.Roles}"));
            return new CommandOutput(new
            {
                id = profile.Id,
                profile.Email,
                profile.State,
                profile.StateBeforeSuspension,
                platformOperator = profile.IsPlatformOperator,
                profile.CreatedAt,
                profile.LastLoginAt,
                profile.HasPassword,
                mfaEnabled = profile.TotpEnabled,
                profile.Passwordless,
                passkeys = new
                {
                    count = profile.Passkeys.Count,
                    items = profile.Passkeys.Select(p => new { p.Name, p.Model, p.CreatedAt, p.LastUsedAt }),
                },
                sessions = new { active = activeSessions },
                memberships = profile.Memberships.Select(m => new
                {
                    organizationSlug = m.OrganizationSlug,
                    organizationName = m.OrganizationName,
                    roles = m.Roles.IsEmpty ? [] : m.Roles.ToString().Split(", "),
                    joinedAt = m.JoinedAt,
                }),
            }, lines);
        }, ct));
        return command;
    }

    private static Command SuspendCommand(CliRuntime cli)
    {
        var email = Email();
        var reason = new Option<string>("--reason") { Description = "Why (kept in the audit trail), e.g. the ticket number.", Required = true };
        var command = new Command(
            "suspend",
            "Suspend an account: it cannot sign in, its sessions and API tokens end, its memberships stay. "
            + "The Owners of its organizations are emailed.")
        {
            email, reason,
        };
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var address = parse.GetRequiredValue(email);
            var id = await Lookups.UserIdAsync(services, address, ct);
            await services.GetRequiredService<UserAccountService>().SuspendAsync(OperatorCli.Actor, id, parse.GetRequiredValue(reason), ct);
            return await StateOutputAsync(services, id, "is suspended", ct);
        }, ct));
        return command;
    }

    private static Command UnsuspendCommand(CliRuntime cli)
    {
        var email = Email();
        var command = new Command("unsuspend", "Lift a suspension: the account gets back the state it had, and signs in with the credentials it had.") { email };
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var id = await Lookups.UserIdAsync(services, parse.GetRequiredValue(email), ct);
            await services.GetRequiredService<UserAccountService>().LiftSuspensionAsync(OperatorCli.Actor, id, ct);
            return await StateOutputAsync(services, id, "is no longer suspended", ct);
        }, ct));
        return command;
    }

    private static Command ResetCommand(CliRuntime cli)
    {
        var email = Email();
        var command = new Command(
            "reset",
            "Reset an account (e.g. compromised, or every key lost): its passkeys, password and sessions end, "
            + "and it is emailed a reset link (printed too) to register a new security key.")
        {
            email,
        };
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var id = await Lookups.UserIdAsync(services, parse.GetRequiredValue(email), ct);
            var urls = services.GetRequiredService<IOptions<PublicUrlOptions>>().Value;
            var sent = await services.GetRequiredService<AccountResetService>().ResetUserAsync(OperatorCli.Actor, id, null, urls.IdP, ct);
            var address = await services.GetRequiredService<PortalDbContext>().Users.Where(u => u.Id == id).Select(u => u.Email).SingleAsync(ct) ?? "";
            var link = services.GetRequiredService<SentLinks>().NewestTo(address);
            return new CommandOutput(
                new { email = address, state = UserState.Reset, resetLink = link, expiresAt = sent.ExpiresAt },
                [$"{address} is reset. Reset link (also emailed; works once, until {Lookups.Time(sent.ExpiresAt)}): {link}"]);
        }, ct));
        return command;
    }

    private static async Task<CommandOutput> StateOutputAsync(IServiceProvider services, Guid id, string what, CancellationToken ct)
    {
        var user = await services.GetRequiredService<PortalDbContext>().Users.AsNoTracking()
            .Where(u => u.Id == id).Select(u => new { u.Email, u.State }).SingleAsync(ct);
        return new CommandOutput(
            new { email = user.Email, state = user.State },
            [$"{user.Email} {what}: {UserStateNames.Display(user.State)}."]);
    }
}
