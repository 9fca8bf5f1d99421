using System.Reflection;
using KeyPortal.Hosting.Authorization;
using KeyPortal.Portal.Organizations;

namespace KeyPortal.Portal.Tests.Authorization;

/// <summary>Every handler of a page of the current organization states the permission it needs.</summary>
public sealed class PagePermissionTests
{
    [Fact]
    public void Every_handler_of_an_organization_page_requires_a_permission()
    {
        var pages = typeof(OrganizationPageModel).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(OrganizationPageModel)) && !t.IsAbstract)
            .ToList();
        var handlers = pages
            .SelectMany(page => page.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m.Name.StartsWith("OnGet", StringComparison.Ordinal) || m.Name.StartsWith("OnPost", StringComparison.Ordinal))
                .Select(handler => (page, handler)))
            .ToList();

        Assert.NotEmpty(pages);
        Assert.NotEmpty(handlers);
        var open = handlers.Where(h => PermissionPageFilter.RequiredBy(h.handler, h.page) is null).Select(h => $"{h.page.FullName}.{h.handler.Name}").ToList();
        Assert.True(open.Count == 0, "Handlers without [RequirePermission]:\n" + string.Join("\n", open));
    }
}
