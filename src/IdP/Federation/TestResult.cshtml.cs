using System.Security.Claims;
using System.Text.Json;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Federation;

/// <summary>
/// What a connection test brought back (the identity provider's subject and attributes, or the
/// precise reason it was refused). Only the IdP session that ran the test may read it; anyone
/// else gets a not-found page. Served no-store.
/// </summary>
[AllowAnonymous]
public sealed class TestResultModel(PortalDbContext db) : PageModel
{
    public SsoTestResult? Result { get; private set; }

    public JsonElement Details { get; private set; }

    public string Slug { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string slug, Guid id)
    {
        Response.Headers.CacheControl = "no-store";
        var session = await HttpContext.AuthenticateAsync(SessionCookie.Scheme);
        if (!Guid.TryParse(session.Principal?.FindFirstValue(KeyPortalClaims.SessionId), out var sessionId))
        {
            return NotFound();
        }

        Result = await db.Set<SsoTestResult>().AsNoTracking()
            .Where(r => r.Id == id && r.TestedBySessionId == sessionId && db.Organizations.Any(o => o.Id == r.OrganizationId && o.Slug == slug))
            .SingleOrDefaultAsync(HttpContext.RequestAborted);
        if (Result is null)
        {
            return NotFound();
        }

        Slug = slug;
        Details = JsonDocument.Parse(Result.Details).RootElement.Clone();
        return Page();
    }

    public static string Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString() ?? "",
        JsonValueKind.Array => string.Join(", ", element.EnumerateArray().Select(Text)),
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        _ => element.ToString(),
    };

    public string Field(string name) => Details.ValueKind == JsonValueKind.Object && Details.TryGetProperty(name, out var value) ? Text(value) : "";
}
