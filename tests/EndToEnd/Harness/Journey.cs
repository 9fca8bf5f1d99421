using System.Globalization;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// One test's browser: a fresh context (own cookies, own profile) and page, numbered
/// screenshots in <c>tests/EndToEnd/artifacts/&lt;test&gt;/</c>, and at most one virtual
/// authenticator at a time.
/// </summary>
public sealed class Journey(string testName, IBrowserContext context, IPage page) : IAsyncDisposable
{
    private int _screenshots;

    public string TestName { get; } = testName;

    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// <summary>The authenticator added by <see cref="AddAuthenticatorAsync"/>, while present.</summary>
    public VirtualAuthenticator? Authenticator { get; private set; }

    public string ArtifactDirectory => Path.Combine(RepositoryPaths.Artifacts, TestName);

    /// <summary>Saves the page as <c>NN-step.png</c> and returns the path.</summary>
    public async Task<string> ScreenshotAsync(string step)
    {
        Directory.CreateDirectory(ArtifactDirectory);
        var number = Interlocked.Increment(ref _screenshots).ToString("00", CultureInfo.InvariantCulture);
        var path = Path.Combine(ArtifactDirectory, $"{number}-{step}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
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

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
    }
}
