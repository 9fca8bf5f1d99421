using System.Reflection;
using KeyPortal.Core.Authorization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace KeyPortal.Hosting.Authorization;

/// <summary>A page that shows a refusal itself (its banner, with 403) instead of the bare 403.</summary>
public interface IRefusingPage
{
    /// <summary>The page's answer to a request refused for want of <paramref name="permission"/>.</summary>
    IActionResult Refuse(Permission permission);
}

/// <summary>
/// Runs before every page handler: the <see cref="RequirePermissionAttribute"/> of the handler (or
/// else of its page) is checked with the permission policy, so pages and APIs authorize the same
/// way. A refused handler does not run; the page shows its refusal (<see cref="IRefusingPage"/>).
/// </summary>
public sealed class PermissionPageFilter(IAuthorizationService authorization) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (RequiredBy(context.HandlerMethod?.MethodInfo, context.HandlerInstance.GetType()) is { } required
            && !(await authorization.AuthorizeAsync(context.HttpContext.User, required.Policy)).Succeeded)
        {
            context.Result = context.HandlerInstance is IRefusingPage page ? page.Refuse(required.Permission) : new ForbidResult();
            return;
        }

        await next();
    }

    /// <summary>The permission a handler needs: its own attribute, else its page's; null when neither states one.</summary>
    public static RequirePermissionAttribute? RequiredBy(MethodInfo? handler, Type pageModel) =>
        handler?.GetCustomAttribute<RequirePermissionAttribute>() ?? pageModel.GetCustomAttribute<RequirePermissionAttribute>(inherit: true);
}
