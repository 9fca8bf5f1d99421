using System.Security.Cryptography;
using System.Text.Json;
using KeyPortal.IdP.Connect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// Shows an invalid authorization or end-session request (status 400). Anyone may see it; the
/// text comes protected from the endpoint that refused the request, never from the address bar.
/// </summary>
[AllowAnonymous]
public sealed class RequestErrorModel : PageModel
{
    [FromQuery(Name = "e")]
    public string? Payload { get; set; }

    public string Error { get; private set; } = "invalid_request";

    public string? Description { get; private set; }

    public void OnGet()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        if (string.IsNullOrEmpty(Payload))
        {
            return;
        }

        try
        {
            var parts = JsonSerializer.Deserialize<string[]>(ConnectEndpoints.RequestErrorProtector(HttpContext.RequestServices).Unprotect(Payload));
            if (parts is [var error, var description])
            {
                Error = error;
                Description = description;
            }
        }
        catch (CryptographicException)
        {
            // Tampered or expired: show the generic text.
        }
    }
}
