using KeyPortal.Core.Errors;
using KeyPortal.Core.Users;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Admin.Pages.Users;

/// <summary>
/// Every account of the platform, by email, found by the start of the address; paged by position
/// (the last email of a page), so every page answers as fast at 100,000 accounts as the first.
/// Operators only.
/// </summary>
public sealed class IndexModel(UserDirectory directory) : PageModel
{
    /// <summary>The start of the email address.</summary>
    [BindProperty(SupportsGet = true, Name = "email")]
    public string? Email { get; set; }

    [BindProperty(SupportsGet = true, Name = "after")]
    public string? After { get; set; }

    public IReadOnlyList<UserRow> Users { get; private set; } = [];

    public string? NextPage { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var page = await directory.SearchAsync(Email, After, UserDirectory.DefaultLimit, cancellationToken);
            Users = page.Rows;
            NextPage = page.Next is null ? null : Link(page.Next);
        }
        catch (DomainException error)
        {
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
        }

        return Page();
    }

    public string Link(string? after) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/users", new Dictionary<string, string?>
        {
            ["email"] = Email,
            ["after"] = after,
        }.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());
}
