using System.Diagnostics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Ui.Pages;

/// <summary>The one error page of every app: no stack traces, a reference for support.</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public string Heading { get; private set; } = "Something went wrong";

    public string Explanation { get; private set; } = "The request could not be completed. Please try again in a moment.";

    public string? RequestId { get; private set; }

    public void OnGet(int? code) => Describe(code);

    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        (Heading, Explanation) = code switch
        {
            400 => ("Bad request", "The request was not understood. Go back and try again."),
            403 => ("Not allowed", "Your account does not have permission to open this page."),
            404 => ("Page not found", "There is no page at this address."),
            429 => ("Too many attempts", "Please wait a moment before trying again."),
            _ => (Heading, Explanation),
        };
        if (code is >= 400 and < 600)
        {
            Response.StatusCode = code.Value;
        }
    }
}
