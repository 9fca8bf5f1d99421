namespace KeyPortal.Admin.Tests.Cli;

/// <summary>
/// One database for a test class, made the way an installation makes it: <c>db migrate</c>, then
/// the demo seed through <c>migrate --seed-demo</c>. Their runs are kept for the tests to check.
/// </summary>
public sealed class SeededCli : IAsyncLifetime
{
    public CliProcess Cli { get; } = new();

    public CliRun Migrated { get; private set; } = null!;

    public CliRun Seeded { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Migrated = await Cli.RunAsync("db", "migrate");
        Seeded = await Cli.RunAsync("migrate", "--seed-demo");
    }

    public Task DisposeAsync()
    {
        Cli.Dispose();
        return Task.CompletedTask;
    }
}
