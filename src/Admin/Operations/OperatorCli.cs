using System.CommandLine;
using KeyPortal.Core.Auditing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace KeyPortal.Admin.Operations;

/// <summary>
/// The operator CLI (<c>KeyPortal.Admin &lt;command&gt;</c>): the installation's own trusted tool,
/// run on the server instead of the web app, then exits. <c>--help</c> on any command lists what it
/// takes. Every change goes through Core's services, as the console's pages do, with the
/// installation itself as the actor.
/// </summary>
public static class OperatorCli
{
    /// <summary>
    /// The actor of the CLI's changes in the audit trail: no user, which Core counts as a platform
    /// operator (<see cref="KeyPortal.Core.Users.AccountReach.EnsurePlatformOperatorAsync"/>): whoever
    /// runs the installation's own tool on its server holds its database already.
    /// </summary>
    public static AuditActor Actor { get; } = new(null, "cli", null);

    private static readonly string[] HelpFlags = ["--help", "-h", "-?", "--version"];

    /// <summary>
    /// A command is asked for when the first argument (after any <c>--json</c>) is a word, a help
    /// flag or <c>--version</c>. The web host's own arguments are settings (<c>--urls x</c>, <c>--key=value</c>,
    /// <c>/key value</c>, <c>key=value</c>) and still serve, as does no argument at all; an unknown
    /// word is a usage error rather than a silently started server.
    /// </summary>
    public static bool IsRequested(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var first = args.FirstOrDefault(a => a != CliRuntime.Json.Name);
        return first is { Length: > 0 }
            && (HelpFlags.Contains(first) || (first[0] is not ('-' or '/') && !first.Contains('=', StringComparison.Ordinal)));
    }

    /// <summary>Builds the app's services (no server starts) and runs the command; returns the exit code.</summary>
    public static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Standard output is the command's (scripts parse --json): the log goes to standard error,
        // and only what needs attention.
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Warning);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        SentLinks.RecordEverySentMessage(builder.Services);
        await using var app = builder.Build();
        var signal = app.Services.GetRequiredService<Core.Mail.MailOutboxSignal>();
        signal.RecordQueued = true;
        var exitCode = await InvokeAsync(new CliRuntime(app.Services, Console.Out, Console.Error), args);
        await DeliverQueuedMailAsync(app.Services, signal.Queued);
        return exitCode;
    }

    /// <summary>The longest the CLI spends delivering its own emails before it leaves them to the apps.</summary>
    private static readonly TimeSpan MailDeliveryBound = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The command's emails went to the outbox; it delivers those (and only those: the rest of the
    /// queue is the apps', with their mail settings) before exiting, so an operator need not wait
    /// for a running app's sender. What it cannot deliver stays queued for the apps.
    /// </summary>
    private static async Task DeliverQueuedMailAsync(IServiceProvider services, IReadOnlyCollection<long> queued)
    {
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Mail.MailOptions>>().Value.Outbox;
        if (!options.Send || queued.Count == 0)
        {
            return;
        }

        using var bounded = new CancellationTokenSource(MailDeliveryBound);
        try
        {
            await services.GetRequiredService<Core.Mail.MailOutboxSender>().DeliverAsync([.. queued], bounded.Token);
        }
#pragma warning disable CA1031 // The command has succeeded; its mail waits in the outbox for the apps' senders.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"The command's emails are queued; the apps will send them ({exception.GetType().Name}).");
        }
    }

    internal static async Task<int> InvokeAsync(CliRuntime cli, string[] args)
    {
        var root = CreateRootCommand(cli);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var parseError in parse.Errors)
            {
                await cli.Error.WriteLineAsync(parseError.Message);
            }

            await cli.Error.WriteLineAsync("Run with --help to see the commands and their options.");
            return CliRuntime.UsageError;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = cli.Output, Error = cli.Error });
    }

    internal static RootCommand CreateRootCommand(CliRuntime cli)
    {
        var root = new RootCommand("Key Portal operator commands. Without a command, the operator console serves.")
        {
            CliRuntime.Json,
            DatabaseCommands.Db(cli),
            OperatorCommands.Create(cli),
            OrganizationCommands.Create(cli),
            UserCommands.Create(cli),
            DatabaseCommands.Migrate(cli),
            DatabaseCommands.OperatorLink(cli),
        };
        return root;
    }
}
