using Microsoft.AspNetCore.Antiforgery;

namespace KeyPortal.IdP.Shared;

/// <summary>
/// The anti-forgery check of the JSON endpoints our own pages call (passkey ceremonies): the
/// page's token travels in the <c>RequestVerificationToken</c> header.
/// </summary>
internal static class ValidateAntiforgery
{
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(context.HttpContext))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired. Reload the page and try again.");
        }

        return await next(context);
    }
}
