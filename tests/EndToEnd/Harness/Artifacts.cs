using System.Globalization;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// What a journey leaves for a person to look at (screenshots of its steps, of an accessibility
/// violation), saved on a best-effort basis: each artifact gets <see cref="Timeout"/>, and one
/// that cannot be saved is written down, with the reason, in the test's <c>artifacts.log</c> and
/// on the error output, never thrown over the journey's own result. On a loaded machine (another
/// Chromium running) a full-page screenshot can take longer than the step it pictures.
/// </summary>
public static class Artifacts
{
    /// <summary>How long one artifact may take before it is given up.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public const string LogName = "artifacts.log";

    /// <summary>A full-page screenshot of <paramref name="page"/> at <paramref name="path"/>; false (and a line in the log) if it could not be saved.</summary>
    public static Task<bool> TryScreenshotAsync(IPage page, string path)
    {
        ArgumentNullException.ThrowIfNull(page);
        return TrySaveAsync(Path.GetDirectoryName(path)!, $"screenshot {Path.GetFileName(path)} of {page.Url}", () =>
            page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Timeout = (float)Timeout.TotalMilliseconds }));
    }

    /// <summary>Runs <paramref name="save"/> within <see cref="Timeout"/>; false (and a line in the log) if it failed or took longer.</summary>
    public static async Task<bool> TrySaveAsync(string directory, string what, Func<Task> save)
    {
        ArgumentNullException.ThrowIfNull(save);
        try
        {
            Directory.CreateDirectory(directory);
            // Playwright's own timeout bounds the step; this one bounds whatever it does not cover.
            await save().WaitAsync(Timeout + TimeSpan.FromSeconds(5));
            return true;
        }
        catch (Exception error) when (error is PlaywrightException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            Note(directory, $"The {what} could not be saved ({error.GetType().Name}): {FirstLine(error.Message)}");
            return false;
        }
    }

    private static void Note(string directory, string line)
    {
        var stamped = $"{DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {line}";
        Console.Error.WriteLine($"[artifacts] {stamped}");
        try
        {
            Directory.CreateDirectory(directory);
            File.AppendAllText(Path.Combine(directory, LogName), stamped + Environment.NewLine);
        }
        catch (IOException)
        {
            // The error output has the line; a full disk must not fail the journey either.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
