using KeyPortal.Core.Sessions;
using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace KeyPortal.Portal.Organizations;

internal static class OrganizationSetup
{
    public const string SwitchPath = "/organization/switch";

    /// <summary>Loads the current organization after authentication, before authorization reads it.</summary>
    public static void UseCurrentOrganization(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            await context.RequestServices.GetRequiredService<CurrentMember>().LoadAsync(context.User, context.RequestAborted);
            await next(context);
        });

    /// <summary>
    /// <c>POST /organization/switch</c>: a signed-in member picks another of their organizations.
    /// Anti-forgery checked; only the user's own memberships are accepted; audited.
    /// </summary>
    public static IEndpointRouteBuilder MapOrganizationSwitch(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(SwitchPath, SwitchAsync).RequireAuthorization().ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> SwitchAsync(
        HttpContext context, IAntiforgery antiforgery, CurrentMember organizations, AuditTrail audit, PortalDbContext db)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired. Reload the page and try again.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var target = Guid.TryParse(form["organizationId"], out var id) ? organizations.All.FirstOrDefault(o => o.Id == id) : null;
        if (target is null)
        {
            // Not one of the user's organizations (or gone): nothing changes.
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "You are not a member of that organization.");
        }

        var returnUrl = form["returnUrl"].ToString();
        returnUrl = RelyingPartyAuthentication.IsLocalPath(returnUrl) ? returnUrl : "/";
        var result = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (result.Principal?.Identity is not ClaimsIdentity identity || result.Properties is null)
        {
            return Results.Unauthorized();
        }

        foreach (var claim in identity.FindAll(KeyPortalClaims.Organization).ToList())
        {
            identity.RemoveClaim(claim);
        }

        identity.AddClaim(new Claim(KeyPortalClaims.Organization, target.Id.ToString()));
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, result.Principal, result.Properties);

        // Recorded in the organization switched to; which one was left is no business of its trail.
        audit.Record(await context.SignedInActorAsync(db), AuditActions.OrganizationSwitched, target.Id, organizations.UserId);
        await db.SaveChangesAsync(context.RequestAborted);
        return Results.LocalRedirect(returnUrl);
    }
}
