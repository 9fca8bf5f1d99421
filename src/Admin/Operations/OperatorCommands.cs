using System.CommandLine;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Operations;

/// <summary><c>operator add EMAIL</c>: a new platform operator and the set-up link to pass on.</summary>
internal static class OperatorCommands
{
    public static Command Create(CliRuntime cli)
    {
        var email = new Argument<string>("email") { Description = "The operator's email address." };
        var promoteExisting = new Option<bool>("--promote-existing")
        {
            Description = "Make an existing account that is not an operator one. Its credentials and sessions are reset.",
        };
        var add = new Command(
            "add",
            "Make the address a platform operator (creating the account if needed) and print its set-up link, which is emailed too. "
            + "The operator opens it to register a passkey, then signs in to the operator console.")
        {
            email, promoteExisting,
        };
        add.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var address = KeyPortal.Core.Users.EmailAddress.Parse(parse.GetRequiredValue(email));
            var normalized = services.GetRequiredService<ILookupNormalizer>().NormalizeEmail(address);
            if (await services.GetRequiredService<PortalDbContext>().Users.AnyAsync(u => u.NormalizedEmail == normalized && u.IsPlatformOperator, ct))
            {
                // A second "add" must not wipe a working operator's keys; a reset says so outright.
                throw new CommandRefusedException($"{address} is a platform operator already. To send them a new set-up link (their passkeys stop working), run: user reset {address}");
            }

            var grant = await OperatorAccess.GrantAsync(services, OperatorCli.Actor, address, ifNoPasskey: false, parse.GetValue(promoteExisting), "operator add command", ct);
            switch (grant.Outcome)
            {
                case OperatorGrantOutcome.NotAnOperator:
                    throw new CommandRefusedException($"{address} is an existing account that is not an operator. To make it one (its credentials are reset), run again with --promote-existing.");
                case OperatorGrantOutcome.StateRefused:
                    throw new CommandRefusedException($"{address} is {UserStateNames.Display(grant.State!.Value)}: nothing changed.");
                case OperatorGrantOutcome.LinkSentEarlier:
                    return new CommandOutput(
                        new { email = address, platformOperator = true, setUpLink = (Uri?)null, expiresAt = (DateTimeOffset?)null },
                        [$"{address} is a platform operator. A set-up link was emailed earlier; once it has expired, run: user reset {address}"]);
                default:
                    var link = services.GetRequiredService<SentLinks>().NewestTo(address);
                    return new CommandOutput(
                        new { email = address, platformOperator = true, setUpLink = link, expiresAt = grant.ExpiresAt },
                        [
                            $"{address} is a platform operator.",
                            $"Set-up link (also emailed; works once, until {Lookups.Time(grant.ExpiresAt)}): {link}",
                        ]);
            }
        }, ct));
        return new Command("operator", "Platform operators (the vendor's staff).") { add };
    }
}
