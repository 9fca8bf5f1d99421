using Microsoft.AspNetCore.Mvc.Filters;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>
/// Some delivery pages need one permission or another depending on who asks or on the shipment's
/// state, while the permission filter checks the single permission of the handler that runs. Such
/// a page has one handler per permission and picks the one that applies when the handler is
/// selected, before the filter checks it: the filter still decides, with the permission named on
/// the handler that runs.
/// </summary>
internal static class HandlerSelection
{
    /// <summary>True when the request named no handler (the page's default ones were selected).</summary>
    public static bool IsDefault(PageHandlerSelectedContext context) => context.HandlerMethod is { Name: null };

    /// <summary>Runs the page's handler <paramref name="name"/> for the request's HTTP method instead of the one selected.</summary>
    public static void Use(PageHandlerSelectedContext context, string name)
    {
        var method = context.HandlerMethod?.HttpMethod ?? context.HttpContext.Request.Method;
        context.HandlerMethod = context.ActionDescriptor.HandlerMethods.Single(h =>
            h.Name == name && string.Equals(h.HttpMethod, method, StringComparison.OrdinalIgnoreCase));
    }
}
