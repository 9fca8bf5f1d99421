using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;

namespace KeyPortal.Admin.Tests.Cli;

/// <summary>
/// <c>user show | suspend | unsuspend | reset</c>, <c>operator add</c> and the installation's first
/// commands over one seeded database; each test works on accounts no other test of the class touches.
/// </summary>
public sealed class UserCommandTests(SeededCli seeded) : IClassFixture<SeededCli>
{
    private CliProcess Cli => seeded.Cli;

    [Fact]
    public async Task Db_migrate_and_migrate_seed_demo_print_their_lines()
    {
        var again = await Cli.RunAsync("migrate", "--seed-demo");

        Assert.True(seeded.Migrated.ExitCode == 0, seeded.Migrated.ToString());
        Assert.Equal("Database migrated (Microsoft.EntityFrameworkCore.Sqlite).", seeded.Migrated.Output.Trim());
        Assert.True(seeded.Seeded.ExitCode == 0, seeded.Seeded.ToString());
        var lines = seeded.Seeded.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Equal("Database migrated (Microsoft.EntityFrameworkCore.Sqlite).", lines[0]);
        Assert.Equal("Demo data created.", lines[1]);
        Assert.StartsWith("Demo accounts (password where one is set: ", lines[2], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("owner@contoso.example", StringComparison.Ordinal));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("Demo data already present.", again.Output.Split('\n', StringSplitOptions.TrimEntries)[1]);
    }

    [Fact]
    public async Task Operator_link_still_emails_the_first_operator_a_set_up_link()
    {
        var run = await Cli.RunAsync("operator-link", "operator@keyportal.example", "--if-no-passkey");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                "Database migrated (Microsoft.EntityFrameworkCore.Sqlite).",
                "Set-up link emailed to operator@keyportal.example: open it to register a passkey, then sign in to the operator console.",
            ],
            run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Cli.Emails(), e => e.Contains("To: operator@keyportal.example", StringComparison.OrdinalIgnoreCase)
            && e.Contains(new Uri(CliProcess.IdP, "reset/").AbsoluteUri, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Suspending_an_unknown_email_is_refused_on_one_line()
    {
        var run = await Cli.RunAsync("user", "suspend", "nobody@nowhere.example", "--reason", "Ticket 1");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(DomainErrors.UserNotFound.Message, line, StringComparison.Ordinal);
        Assert.Contains("nobody@nowhere.example", line, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task An_added_operator_gets_a_printed_set_up_link_and_cannot_be_suspended()
    {
        var added = await Cli.RunAsync("operator", "add", "new.operator@vendor.example", "--json");
        var addedAgain = await Cli.RunAsync("operator", "add", "new.operator@vendor.example");
        var shown = await Cli.RunAsync("user", "show", "new.operator@vendor.example", "--json");
        var suspended = await Cli.RunAsync("user", "suspend", "new.operator@vendor.example", "--reason", "Ticket 2");

        Assert.True(added.ExitCode == 0, added.ToString());
        var link = added.Json().GetProperty("setUpLink").GetString()!;
        Assert.StartsWith(new Uri(CliProcess.IdP, "reset/").AbsoluteUri, link, StringComparison.Ordinal);
        Assert.Contains(Cli.Emails(), email => email.Contains(link, StringComparison.Ordinal));

        // A second add must not reset a working operator's keys.
        Assert.Equal(1, addedAgain.ExitCode);
        Assert.Contains("already", Assert.Single(addedAgain.ErrorLines), StringComparison.Ordinal);

        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.True(shown.Json().GetProperty("platformOperator").GetBoolean());
        Assert.Equal("Reset", shown.Json().GetProperty("state").GetString());

        Assert.Equal(1, suspended.ExitCode);
        Assert.Equal([DomainErrors.SuspendOperator.Message], suspended.ErrorLines);
    }

    [Fact]
    public async Task Suspending_and_lifting_a_suspension_change_the_state_and_tell_the_Owners()
    {
        var suspended = await Cli.RunAsync("user", "suspend", "Auditor@Contoso.example", "--reason", "Ticket 3: laptop stolen");
        var whileSuspended = await Cli.RunAsync("user", "show", "auditor@contoso.example", "--json");
        var lifted = await Cli.RunAsync("user", "unsuspend", "auditor@contoso.example", "--json");
        var afterwards = await Cli.RunAsync("user", "show", "auditor@contoso.example", "--json");

        Assert.True(suspended.ExitCode == 0, suspended.ToString());
        Assert.Equal("Suspended", whileSuspended.Json().GetProperty("state").GetString());
        Assert.Equal("Active", whileSuspended.Json().GetProperty("stateBeforeSuspension").GetString());
        var membership = Assert.Single(whileSuspended.Json().GetProperty("memberships").EnumerateArray());
        Assert.Equal("contoso", membership.GetProperty("organizationSlug").GetString());
        Assert.Contains(Cli.Emails(), e => e.Contains("auditor@contoso.example was suspended in Contoso", StringComparison.Ordinal));
        Assert.Contains(await Cli.AuditAsync(AuditActions.UserStateChanged), e => e.Actor == "cli" && e.ActorUserId == null
            && e.Details.Contains("Ticket 3: laptop stolen", StringComparison.Ordinal));

        Assert.True(lifted.ExitCode == 0, lifted.ToString());
        Assert.Equal("Active", lifted.Json().GetProperty("state").GetString());
        Assert.Equal("Active", afterwards.Json().GetProperty("state").GetString());
    }

    [Fact]
    public async Task Reset_prints_the_emailed_reset_link_and_ends_the_accounts_credentials()
    {
        var reset = await Cli.RunAsync("user", "reset", "reseller@northwind.example", "--json");
        var shown = await Cli.RunAsync("user", "show", "reseller@northwind.example", "--json");

        Assert.True(reset.ExitCode == 0, reset.ToString());
        var link = reset.Json().GetProperty("resetLink").GetString()!;
        Assert.StartsWith(new Uri(CliProcess.IdP, "reset/").AbsoluteUri, link, StringComparison.Ordinal);
        Assert.Contains(Cli.Emails(), email => email.Contains(link, StringComparison.Ordinal));
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Equal("Reset", shown.Json().GetProperty("state").GetString());
        Assert.False(shown.Json().GetProperty("hasPassword").GetBoolean());
        Assert.Equal(0, shown.Json().GetProperty("passkeys").GetProperty("count").GetInt32());
    }
}
