using System.CommandLine;
using System.CommandLine.Parsing;
using KeyPortal.Core;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Operations;

/// <summary><c>org create | list | show | appoint-owner</c>: onboarding and the vendor's help for organizations.</summary>
internal static class OrganizationCommands
{
    public static Command Create(CliRuntime cli) =>
        new("org", "Organizations (customers, resellers, distributors).")
        {
            CreateCommand(cli), ListCommand(cli), ShowCommand(cli), AppointOwnerCommand(cli),
        };

    private static Command CreateCommand(CliRuntime cli)
    {
        var name = new Option<string>("--name") { Description = "The organization's name.", Required = true };
        var slug = new Option<string>("--slug") { Description = "Its short name: 2 to 63 lowercase letters, digits and hyphens.", Required = true };
        var kind = new Option<OrganizationKind>("--kind")
        {
            Description = "customer, reseller, distributor, or several separated by commas (customer,reseller). Default: customer.",
            HelpName = "kinds",
            CustomParser = ParseKind,
            DefaultValueFactory = _ => OrganizationKind.Customer,
        };
        var owner = new Option<string>("--owner") { Description = "The email address of its first Owner.", Required = true };
        var command = new Command(
            "create",
            "Onboard an organization with its first Owner, who is emailed an activation link (printed too). "
            + "A person who has an account already becomes Owner at once and is told by email.")
        {
            name, slug, kind, owner,
        };
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var urls = services.GetRequiredService<IOptions<PublicUrlOptions>>().Value;
            var onboarded = await services.GetRequiredService<OrganizationOnboarding>().CreateWithFirstOwnerAsync(
                OperatorCli.Actor, parse.GetRequiredValue(name), parse.GetRequiredValue(slug), parse.GetValue(kind),
                parse.GetRequiredValue(owner), urls.IdP, ct);
            var organization = onboarded.Organization;
            var person = onboarded.Owner;
            var link = ActivationLink(services, person);
            List<string> lines = [$"Organization created: {organization.Name} ({organization.Slug}), {string.Join(", ", Lookups.KindNames(organization.Kind))}."];
            lines.Add(link is null
                ? $"Owner: {person.Email}, who has an account already: Owner at once, told by email."
                : $"Owner: {person.Email}. Activation link (also emailed; works once, until {Lookups.Time(person.ExpiresAt)}): {link}");
            return new CommandOutput(new
            {
                id = organization.Id,
                organization.Name,
                organization.Slug,
                kinds = Lookups.KindNames(organization.Kind),
                owner = new { userId = person.UserId, email = person.Email, outcome = person.Outcome, activationLink = link, expiresAt = person.ExpiresAt },
            }, lines);
        }, ct));
        return command;
    }

    private static Command ListCommand(CliRuntime cli)
    {
        var command = new Command("list", "Every organization, by name, with its members and Owners counted.");
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var db = services.GetRequiredService<PortalDbContext>();
            var rows = await db.Organizations.AsNoTracking()
                .OrderBy(o => o.Name).ThenBy(o => o.Slug)
                .Select(o => new
                {
                    o.Slug,
                    o.Name,
                    o.Kind,
                    Members = db.Memberships.Count(m => m.OrganizationId == o.Id),
                    Owners = db.Memberships.Count(m => m.OrganizationId == o.Id && m.OrganizationRole == OrganizationRole.Owner),
                })
                .ToListAsync(ct);
            List<string> lines = [$"{rows.Count} {(rows.Count == 1 ? "organization" : "organizations")}"];
            lines.AddRange(rows.Select(r =>
                $"  {r.Slug,-24} {r.Name}  [{string.Join(", ", Lookups.KindNames(r.Kind))}]  members {r.Members}, owners {r.Owners}"));
            return new CommandOutput(
                rows.Select(r => new { r.Slug, r.Name, kinds = Lookups.KindNames(r.Kind), r.Members, r.Owners }).ToList(),
                lines);
        }, ct));
        return command;
    }

    private static Command ShowCommand(CliRuntime cli)
    {
        var slug = new Argument<string>("slug") { Description = "The organization's short name." };
        var command = new Command("show", "One organization: name, kinds, members with their roles and states, and how many Owners it has.") { slug };
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var organization = await Lookups.OrganizationAsync(services, parse.GetRequiredValue(slug), ct);
            var directory = services.GetRequiredService<MemberDirectory>();
            var members = new List<MemberRow>();
            for (var page = 1; ; page++)
            {
                var rows = await directory.ListAsync(organization.Id, new MemberQuery(Page: page, PageSize: MemberQuery.MaxPageSize), ct);
                members.AddRange(rows.Rows);
                if (page >= rows.Pages)
                {
                    break;
                }
            }

            var owners = members.Count(m => m.Roles.IsOwner);
            List<string> lines =
            [
                $"{organization.Name} ({organization.Slug})",
                $"Kinds: {string.Join(", ", Lookups.KindNames(organization.Kind))}",
                $"Created: {Lookups.Time(organization.CreatedAt)}",
                $"Single sign-on: {(organization.Sso.Enabled ? "on" : "off")}",
                $"Owners: {owners}" + (owners < 2 ? " (fewer than two: recommend a second)" : ""),
                $"Members: {members.Count}",
            ];
            lines.AddRange(members.Select(m => $"  {m.Email,-40} {m.Roles,-24} {UserStateNames.Display(m.State)}"));
            return new CommandOutput(new
            {
                id = organization.Id,
                organization.Name,
                organization.Slug,
                kinds = Lookups.KindNames(organization.Kind),
                organization.CreatedAt,
                ssoEnabled = organization.Sso.Enabled,
                ownerCount = owners,
                members = members.Select(m => new
                {
                    userId = m.UserId,
                    m.Email,
                    roles = RoleNames(m.Roles),
                    m.State,
                    m.LastLoginAt,
                }),
            }, lines);
        }, ct));
        return command;
    }

    private static Command AppointOwnerCommand(CliRuntime cli)
    {
        var slug = new Argument<string>("slug") { Description = "The organization's short name." };
        var email = new Argument<string>("email") { Description = "The new Owner's email address: a member, an existing account or a new person." };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the audit trail), e.g. the ticket number.", Required = true };
        var command = new Command(
            "appoint-owner",
            "Appoint an Owner for an organization that lost its last one: a member is made Owner; anybody else joins as Owner "
            + "(a new person gets an activation link, printed too).")
        {
            slug, email, reason,
        };
        command.SetAction((parse, ct) => cli.RunAsync(parse, async (services, ct) =>
        {
            var organization = await Lookups.OrganizationAsync(services, parse.GetRequiredValue(slug), ct);
            var urls = services.GetRequiredService<IOptions<PublicUrlOptions>>().Value;
            var appointed = await services.GetRequiredService<OperatorMemberships>().AppointOwnerAsync(
                OperatorCli.Actor, organization.Id, parse.GetRequiredValue(email), parse.GetRequiredValue(reason), urls.IdP, ct);
            var person = appointed.Person;
            var link = ActivationLink(services, person);
            var line = appointed.Promoted
                ? $"{person.Email} is now an Owner of {organization.Name} (was a member; told by email)."
                : link is null
                    ? $"{person.Email} joined {organization.Name} as Owner (has an account already; told by email)."
                    : $"{person.Email} joins {organization.Name} as Owner. Activation link (also emailed; works once, until {Lookups.Time(person.ExpiresAt)}): {link}";
            return new CommandOutput(new
            {
                organization.Slug,
                userId = person.UserId,
                email = person.Email,
                promoted = appointed.Promoted,
                outcome = person.Outcome,
                activationLink = link,
                expiresAt = person.ExpiresAt,
            }, [line]);
        }, ct));
        return command;
    }

    private static Uri? ActivationLink(IServiceProvider services, InvitationResult person) =>
        person.Outcome == InvitationOutcome.ActivationSent ? services.GetRequiredService<SentLinks>().NewestTo(person.Email) : null;

    private static List<string> RoleNames(MemberRoles roles) =>
        roles.IsEmpty ? [] : [.. roles.ToString().Split(", ")];

    private static OrganizationKind ParseKind(ArgumentResult result)
    {
        var kind = OrganizationKind.None;
        foreach (var name in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var one = Lookups.Kinds.FirstOrDefault(k => string.Equals(k.ToString(), name, StringComparison.OrdinalIgnoreCase));
            if (one == OrganizationKind.None)
            {
                result.AddError($"Unknown organization kind '{name}'. Use customer, reseller and distributor, separated by commas.");
                return OrganizationKind.None;
            }

            kind |= one;
        }

        if (kind == OrganizationKind.None)
        {
            result.AddError("Give at least one organization kind: customer, reseller or distributor.");
        }

        return kind;
    }
}
