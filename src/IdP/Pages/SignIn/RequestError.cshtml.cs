using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.Pages.SignIn;

/// <summary>Shows an invalid authorization or end-session request (status 400); anyone may see it.</summary>
[AllowAnonymous]
public sealed class RequestErrorModel : PageModel
{
    [FromQuery(Name = "error")]
    public string Error { get; set; } = "invalid_request";

    [FromQuery(Name = "description")]
    public string? Description { get; set; }

    public void OnGet()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        if (Error.Length > 64 || Error.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            Error = "invalid_request";
        }

        if (Description?.Length > 300)
        {
            Description = Description[..300];
        }
    }
}
