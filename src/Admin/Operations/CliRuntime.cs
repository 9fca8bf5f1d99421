using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using KeyPortal.Core.Errors;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Operations;

/// <summary>What a command prints: lines for people, and one object for <c>--json</c>.</summary>
internal sealed record CommandOutput(object Json, IReadOnlyList<string> Lines);

/// <summary>A refusal of the CLI itself (not of a domain rule): nothing was changed.</summary>
internal sealed class CommandRefusedException(string message) : Exception(message);

/// <summary>
/// What every command shares: the app's services (one scope per command), the output streams, the
/// <c>--json</c> switch, and the exit codes: 0 done, 1 refused (one line on stderr, nothing changed),
/// 2 usage (System.CommandLine's parse errors).
/// </summary>
internal sealed class CliRuntime(IServiceProvider services, TextWriter output, TextWriter error)
{
    public const int Refused = 1;

    public const int UsageError = 2;

    /// <summary>Recursive: accepted before the command or after it, on every command.</summary>
    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "Write the result as JSON (camelCase) instead of text.",
        Recursive = true,
    };

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public TextWriter Output => output;

    public TextWriter Error => error;

    /// <summary>
    /// Runs one command in its own service scope and prints its output, or its refusal. Unless
    /// <paramref name="migrates"/>, the database must be migrated to this version first: a command
    /// never works on a schema it was not written for.
    /// </summary>
    public async Task<int> RunAsync(
        ParseResult parse, Func<IServiceProvider, CancellationToken, Task<CommandOutput>> command, CancellationToken cancellationToken, bool migrates = false)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(command);
        CommandOutput result;
        await using (var scope = services.CreateAsyncScope())
        {
            if (!migrates && !await DatabaseMigrator.IsReadyAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), cancellationToken))
            {
                return await RefuseAsync("The database is not reachable or not migrated to this version. Run db migrate first.");
            }

            try
            {
                result = await command(scope.ServiceProvider, cancellationToken);
            }
            catch (DomainException refused)
            {
                return await RefuseAsync(refused.Error.Message);
            }
            catch (CommandRefusedException refused)
            {
                return await RefuseAsync(refused.Message);
            }
        }

        if (parse.GetValue(Json))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(result.Json, JsonOptions));
        }
        else
        {
            foreach (var line in result.Lines)
            {
                await output.WriteLineAsync(line);
            }
        }

        return 0;
    }

    /// <summary>For the commands that print as they go and choose their own exit code (the installation's first commands).</summary>
    public async Task<int> RunTextAsync(Func<IServiceProvider, TextWriter, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var scope = services.CreateAsyncScope();
        return await command(scope.ServiceProvider, output, cancellationToken);
    }

    private async Task<int> RefuseAsync(string message)
    {
        // One line, so that a script can show it as it is.
        await error.WriteLineAsync(message.ReplaceLineEndings(" "));
        return Refused;
    }
}
