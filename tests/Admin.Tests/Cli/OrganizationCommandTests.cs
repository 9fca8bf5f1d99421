using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;

namespace KeyPortal.Admin.Tests.Cli;

/// <summary><c>org create | list | show | appoint-owner</c> over one seeded database.</summary>
public sealed class OrganizationCommandTests(SeededCli seeded) : IClassFixture<SeededCli>
{
    private CliProcess Cli => seeded.Cli;

    [Fact]
    public async Task Create_prints_the_slug_and_the_Owners_emailed_activation_link_and_list_and_show_find_it()
    {
        var created = await Cli.RunAsync(
            "org", "create", "--name", "Globex Corporation", "--slug", "globex", "--kind", "customer,reseller", "--owner", "Owner@Globex.example", "--json");
        var list = await Cli.RunAsync("--json", "org", "list");
        var show = await Cli.RunAsync("org", "show", "globex", "--json");

        Assert.True(created.ExitCode == 0, created.ToString());
        var organization = created.Json();
        Assert.Equal("globex", organization.GetProperty("slug").GetString());
        Assert.Equal(["Customer", "Reseller"], Strings(organization.GetProperty("kinds")));
        var owner = organization.GetProperty("owner");
        Assert.Equal("ActivationSent", owner.GetProperty("outcome").GetString());
        var link = owner.GetProperty("activationLink").GetString()!;
        Assert.StartsWith(new Uri(CliProcess.IdP, "activate/").AbsoluteUri, link, StringComparison.Ordinal);
        Assert.Contains(Cli.Emails(), email => email.Contains(link, StringComparison.Ordinal));

        Assert.True(list.ExitCode == 0, list.ToString());
        var row = list.Json().EnumerateArray().Single(o => o.GetProperty("slug").GetString() == "globex");
        Assert.Equal("Globex Corporation", row.GetProperty("name").GetString());
        Assert.Equal(1, row.GetProperty("members").GetInt32());
        Assert.Equal(1, row.GetProperty("owners").GetInt32());
        Assert.Contains(list.Json().EnumerateArray(), o => o.GetProperty("slug").GetString() == "contoso");

        Assert.True(show.ExitCode == 0, show.ToString());
        var details = show.Json();
        Assert.Equal("Globex Corporation", details.GetProperty("name").GetString());
        Assert.Equal(1, details.GetProperty("ownerCount").GetInt32());
        var member = Assert.Single(details.GetProperty("members").EnumerateArray());
        Assert.Equal("owner@globex.example", member.GetProperty("email").GetString(), ignoreCase: true);
        Assert.Equal(["Owner"], Strings(member.GetProperty("roles")));
        Assert.Equal("Pending", member.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Show_in_text_lists_members_with_roles_and_states_and_the_Owner_count()
    {
        var show = await Cli.RunAsync("org", "show", "contoso");

        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("Owners: ", show.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+owner@contoso\.example\s+Owner\s+Active\s*$", show.Output);
        Assert.Matches(@"(?m)^\s+suspended@contoso\.example\s+Auditor\s+Suspended\s*$", show.Output);
    }

    [Fact]
    public async Task A_taken_slug_is_refused_with_the_domain_message_on_one_line()
    {
        var run = await Cli.RunAsync("org", "create", "--name", "Another Contoso", "--slug", "contoso", "--owner", "someone@contoso2.example");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal([DomainErrors.OrganizationSlugTaken.Message], run.ErrorLines);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Appointing_a_member_with_a_reason_makes_them_Owner()
    {
        var appointed = await Cli.RunAsync("org", "appoint-owner", "contoso", "admin@contoso.example", "--reason", "Ticket 4711: only Owner lost her key", "--json");
        var show = await Cli.RunAsync("org", "show", "contoso", "--json");

        Assert.True(appointed.ExitCode == 0, appointed.ToString());
        Assert.True(appointed.Json().GetProperty("promoted").GetBoolean());
        Assert.True(show.ExitCode == 0, show.ToString());
        var members = show.Json().GetProperty("members").EnumerateArray().ToList();
        var admin = members.Single(m => m.GetProperty("email").GetString() == "admin@contoso.example");
        Assert.Equal(["Owner"], Strings(admin.GetProperty("roles")));
        Assert.Equal(
            members.Count(m => Strings(m.GetProperty("roles")).Contains("Owner")),
            show.Json().GetProperty("ownerCount").GetInt32());
        Assert.True(show.Json().GetProperty("ownerCount").GetInt32() >= 2);
        var audited = Assert.Single(await Cli.AuditAsync(AuditActions.OwnerAppointed));
        Assert.Equal("cli", audited.Actor);
        Assert.Null(audited.ActorUserId);
        Assert.Contains("Ticket 4711: only Owner lost her key", audited.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appointing_in_an_unknown_organization_is_refused_on_one_line()
    {
        var run = await Cli.RunAsync("org", "appoint-owner", "no-such-org", "someone@example.com", "--reason", "Ticket 1");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(DomainErrors.OrganizationNotFound.Message, line, StringComparison.Ordinal);
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
