using KeyPortal.Admin.Operations;

namespace KeyPortal.Admin.Tests.Cli;

/// <summary>Help and usage errors: answered before the database is opened (it is never created here).</summary>
public sealed class CliUsageTests(CliProcess cli) : IClassFixture<CliProcess>
{
    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:5002" }, false)]
    [InlineData(new[] { "--urls=http://127.0.0.1:5002" }, false)]
    [InlineData(new[] { "urls=http://127.0.0.1:5002" }, false)]
    [InlineData(new[] { "/urls", "http://127.0.0.1:5002" }, false)]
    [InlineData(new[] { "--environment", "Development" }, false)]
    [InlineData(new[] { "migrate", "--seed-demo" }, true)]
    [InlineData(new[] { "operator-link", "a@b.example" }, true)]
    [InlineData(new[] { "org", "list" }, true)]
    [InlineData(new[] { "--json", "org", "list" }, true)]
    [InlineData(new[] { "--help" }, true)]
    [InlineData(new[] { "-h" }, true)]
    [InlineData(new[] { "--version" }, true)]
    [InlineData(new[] { "frobnicate" }, true)]
    public void A_command_is_asked_for_by_a_first_word_and_the_web_hosts_settings_still_serve(string[] args, bool command) =>
        Assert.Equal(command, OperatorCli.IsRequested(args));

    [Fact]
    public async Task Help_lists_the_commands_and_each_commands_options()
    {
        var help = await cli.RunAsync("--help");
        var suspendHelp = await cli.RunAsync("user", "suspend", "--help");

        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "db", "operator", "org", "user", "migrate", "operator-link" })
        {
            Assert.Matches($@"(?m)^\s+{command}\b", help.Output);
        }

        Assert.Equal(0, suspendHelp.ExitCode);
        Assert.Contains("--reason", suspendHelp.Output, StringComparison.Ordinal);
        Assert.Contains("--json", suspendHelp.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.DatabasePath));
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error_on_stderr()
    {
        var run = await cli.RunAsync("frobnicate");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("frobnicate", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Suspending_without_a_reason_is_a_usage_error_and_touches_nothing()
    {
        var run = await cli.RunAsync("user", "suspend", "someone@example.com");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--reason", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.DatabasePath));
    }

    [Fact]
    public async Task An_unknown_organization_kind_is_a_usage_error()
    {
        var run = await cli.RunAsync("org", "create", "--name", "Initech", "--slug", "initech", "--kind", "customer,partner", "--owner", "o@initech.example");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'partner'", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.DatabasePath));
    }

    [Fact]
    public async Task A_command_on_a_database_that_is_not_migrated_is_refused_and_asks_for_db_migrate()
    {
        using var fresh = new CliProcess();

        var run = await fresh.RunAsync("org", "list");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Run db migrate first.", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }
}
