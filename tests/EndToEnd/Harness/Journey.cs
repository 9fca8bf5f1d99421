using System.Globalization;
using System.Text.RegularExpressions;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// One test's browser: a fresh context (own cookies, own profile) and page, numbered
/// screenshots in <c>tests/EndToEnd/artifacts/&lt;test&gt;/</c> (best-effort, see
/// <see cref="Artifacts"/>), and at most one virtual
/// authenticator at a time. Every page the journey shows is checked as a person would meet it:
/// no console error or uncaught script error, and no serious or critical accessibility
/// violation (<see cref="PageChecks"/>); a journey with problems fails when it is disposed.
/// </summary>
public sealed partial class Journey : IAsyncDisposable
{
    /// <summary>How long a navigation waits for the page it leaves to finish its check.</summary>
    private static readonly TimeSpan DocumentCheckTimeout = TimeSpan.FromSeconds(20);

    private readonly List<string> _problems = [];
    private TaskCompletionSource _currentDocument = Checked();
    private readonly PageChecks _checks;
    private int _screenshots;

    private Journey(string testName, IBrowserContext context, IPage page)
    {
        TestName = testName;
        Context = context;
        Page = page;
        _checks = new PageChecks(page, ArtifactDirectory);
    }

    public string TestName { get; }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>The authenticator added by <see cref="AddAuthenticatorAsync"/>, while present.</summary>
    public VirtualAuthenticator? Authenticator { get; private set; }

    public string ArtifactDirectory => Path.Combine(RepositoryPaths.Artifacts, TestName);

    /// <summary>
    /// A journey on <paramref name="page"/> that watches the console and has every document
    /// check itself for accessibility once it has loaded (<see cref="PageChecks.LoadScript"/>);
    /// a navigation of the main frame is held until the document it leaves has reported, so no
    /// page goes unchecked however fast the test moves on.
    /// </summary>
    public static async Task<Journey> StartAsync(string testName, IBrowserContext context, IPage page)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(page);
        var journey = new Journey(testName, context, page);
        page.Console += (_, message) => journey.OnConsole(message);
        page.PageError += (_, error) => journey.Report($"Uncaught script error on {page.Url}: {error}");
        page.FrameNavigated += (_, frame) => journey.OnFrameNavigated(frame);
        await page.ExposeFunctionAsync(PageChecks.ReportFunction, (string report) => journey.OnDocumentChecked(report));
        await page.AddInitScriptAsync(PageChecks.LoadScript);
        await page.RouteAsync("**/*", journey.OnRoute);
        return journey;
    }

    /// <summary>Console errors, script errors and accessibility violations seen so far.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>Returns the problems seen so far and forgets them (for tests of the checks themselves).</summary>
    public IReadOnlyList<string> TakeProblems()
    {
        lock (_problems)
        {
            var taken = _problems.ToList();
            _problems.Clear();
            return taken;
        }
    }

    /// <summary>Checks the page as it is now (a dialog open, a form filled) in addition to the automatic checks.</summary>
    public async Task CheckAccessibilityAsync()
    {
        foreach (var violation in await _checks.AccessibilityAsync())
        {
            Report(violation);
        }
    }

    /// <summary>
    /// Saves the page as <c>NN-step.png</c> and returns the path, or null when the screenshot could
    /// not be saved in time: an artifact never fails a journey (<see cref="Artifacts"/>).
    /// </summary>
    public async Task<string?> ScreenshotAsync(string step)
    {
        var number = Interlocked.Increment(ref _screenshots).ToString("00", CultureInfo.InvariantCulture);
        var path = Path.Combine(ArtifactDirectory, $"{number}-{step}.png");
        return await Artifacts.TryScreenshotAsync(Page, path) ? path : null;
    }

    /// <summary>
    /// Plugs a DevTools virtual authenticator into this page (a security key by default; see
    /// <see cref="VirtualAuthenticatorOptions.SyncedPasskey"/>). Call it before the page calls
    /// <c>navigator.credentials</c>. Replaces any authenticator this journey added before, so
    /// exactly one answers each ceremony.
    /// </summary>
    public async Task<VirtualAuthenticator> AddAuthenticatorAsync(VirtualAuthenticatorOptions? options = null)
    {
        if (Authenticator is not null)
        {
            await Authenticator.RemoveAsync();
        }

        Authenticator = await VirtualAuthenticator.AddAsync(Context, Page, options ?? VirtualAuthenticatorOptions.SecurityKey);
        return Authenticator;
    }

    /// <summary>Unplugs the authenticator (e.g. to show what happens without a key).</summary>
    public async Task RemoveAuthenticatorAsync()
    {
        if (Authenticator is not null)
        {
            await Authenticator.RemoveAsync();
            Authenticator = null;
        }
    }

    /// <summary>Checks the last page, closes the browser context, then fails with every problem the journey met.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Page.IsClosed)
        {
            try
            {
                // The last page's own check first, then the page as the test left it (a dialog open).
                await Task.WhenAny(CurrentDocument.Task, Task.Delay(DocumentCheckTimeout));
                await Page.UnrouteAllAsync(new PageUnrouteAllOptions { Behavior = UnrouteBehavior.IgnoreErrors });
                await CheckAccessibilityAsync();
            }
            catch (PlaywrightException)
            {
                // The page crashed or is gone: the test has failed on that already.
            }
        }

        await Context.CloseAsync();
        var problems = Problems;
        if (problems.Count > 0)
        {
            Assert.Fail($"{TestName}: {problems.Count} problem(s) on the pages of this journey:\n- {string.Join("\n- ", problems)}");
        }
    }

    /// <summary>
    /// Holds each navigation of the main frame until the document it leaves has reported its
    /// check. The route is answered from another task: Playwright delivers no further event (the
    /// report among them) while a route handler runs.
    /// </summary>
    private Task OnRoute(IRoute route)
    {
        var request = route.Request;
        if (!request.IsNavigationRequest || request.Frame != Page.MainFrame)
        {
            return route.FallbackAsync();
        }

        var leaving = CurrentDocument;
        _ = Task.Run(async () =>
        {
            if (await Task.WhenAny(leaving.Task, Task.Delay(DocumentCheckTimeout)) != leaving.Task)
            {
                Report($"The page at {Page.Url} was left before it had checked itself ({DocumentCheckTimeout.TotalSeconds:0} s).");
            }

            try
            {
                await route.FallbackAsync();
            }
            catch (PlaywrightException)
            {
                // The journey ended meanwhile.
            }
        });
        return Task.CompletedTask;
    }

    private TaskCompletionSource CurrentDocument
    {
        get
        {
            lock (_problems)
            {
                return _currentDocument;
            }
        }
    }

    /// <summary>A new document in the main frame: it has not checked itself yet, unless it is not one of the apps' pages.</summary>
    private void OnFrameNavigated(IFrame frame)
    {
        if (frame != Page.MainFrame)
        {
            return;
        }

        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!frame.Url.StartsWith("http", StringComparison.Ordinal))
        {
            next.SetResult();
        }

        TaskCompletionSource previous;
        lock (_problems)
        {
            previous = _currentDocument;
            _currentDocument = next;
        }

        // A document that never reported (it failed to load) holds nothing up.
        previous.TrySetResult();
    }

    private void OnDocumentChecked(string report)
    {
        // A customer's identity provider (a peer on 127.0.0.1) is not ours to check; our apps are on localhost.
        foreach (var violation in IsOurs(Page.Url) ? PageChecks.Violations(report) : [])
        {
            Report(violation);
        }

        CurrentDocument.TrySetResult();
    }

    private void OnConsole(IConsoleMessage message)
    {
        if (message.Type != "error")
        {
            return;
        }

        // Chromium reports every 4xx answer as "Failed to load resource". Those are the apps'
        // deliberate answers (403 refusal pages, 410 for a used link, 400 for a refused passkey),
        // which the journeys assert themselves; 5xx answers and everything else are problems.
        if (DeliberateRefusal().IsMatch(message.Text) || !IsOurs(Page.Url))
        {
            return;
        }

        Report($"Console error on {Page.Url}: {message.Text} ({message.Location})");
    }

    private void Report(string problem)
    {
        lock (_problems)
        {
            // The same violation on a page checked again is one problem.
            var rule = problem.IndexOf(" at ", StringComparison.Ordinal) is > 0 and var at && problem.StartsWith("Accessibility", StringComparison.Ordinal)
                ? problem[..at]
                : problem;
            if (!_problems.Any(p => p.StartsWith(rule, StringComparison.Ordinal)))
            {
                _problems.Add(problem);
            }
        }
    }

    private static bool IsOurs(string url) => !Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Host == "localhost";

    private static TaskCompletionSource Checked()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    [GeneratedRegex(@"^Failed to load resource: the server responded with a status of 4\d\d\b")]
    private static partial Regex DeliberateRefusal();
}
