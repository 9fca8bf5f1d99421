using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Admin.Pages;

/// <summary>
/// A console page whose forms change accounts or organizations. Every change needs a recent
/// sign-in (a stolen or left-open console session is not enough); a refusal of Core's is shown
/// on the page with the status it carries and changes nothing; a change that succeeds redirects
/// back to the page (so a reload does not repeat it) with one of the page's fixed notices.
/// </summary>
public abstract class ConsolePageModel : PageModel
{
    public const string StaleSignIn = "For your security, confirm it's you with your security key, then submit again.";

    public string? Error { get; private set; }

    /// <summary>The operator's sign-in is too old for changes: confirm with a new one first.</summary>
    public bool NeedsConfirmation { get; private set; }

    /// <summary>Which inline confirmation is open (<c>?confirm=suspend</c>), so it works without scripts.</summary>
    [BindProperty(SupportsGet = true, Name = "confirm")]
    public string? Confirm { get; set; }

    /// <summary>The notice of the change just made (<c>?done=...</c>), one of <see cref="Notices"/>.</summary>
    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    public string? Notice => Done is not null && Notices.TryGetValue(Done, out var text) ? text : null;

    /// <summary>The page's notices by key: fixed text, so a link cannot make the page say anything else.</summary>
    protected abstract IReadOnlyDictionary<string, string> Notices { get; }

    /// <summary>The path of the page's own confirmation of a recent sign-in.</summary>
    public string ConfirmSignInUrl => RecentSignIn.ConfirmUrl(Request.Path.Value ?? "/");

    /// <summary>
    /// Makes <paramref name="change"/> when the sign-in is recent; false (with the page's error and
    /// status set) when it was refused. The caller shows the page again on false.
    /// </summary>
    protected async Task<bool> TryChangeAsync(Func<Task> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!HttpContext.IsRecent())
        {
            NeedsConfirmation = true;
            return Refuse(StaleSignIn, StatusCodes.Status403Forbidden);
        }

        try
        {
            await change();
            return true;
        }
        catch (DomainException error)
        {
            return Refuse(error.Error.Message, DomainExceptionHandler.StatusCodeOf(error.Error));
        }
    }

    /// <summary>Shows <paramref name="message"/> with <paramref name="status"/>; false, for returning.</summary>
    protected bool Refuse(string message, int status)
    {
        Error = message;
        Response.StatusCode = status;
        return false;
    }

    protected RedirectResult Changed(string notice)
    {
        if (!Notices.ContainsKey(notice))
        {
            throw new ArgumentOutOfRangeException(nameof(notice), notice, "The page has no such notice.");
        }

        return Redirect($"{Request.Path}?done={notice}");
    }
}
