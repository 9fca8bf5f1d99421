using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Razor;

namespace KeyPortal.IdP;

/// <summary>
/// Razor Pages by feature: a journey's pages sit in its own folder next to its handlers
/// (<c>SignIn/</c>, <c>Account/</c>, <c>Links/</c>), not under a <c>Pages/</c> tree of their own.
/// Every page names its route with <c>@page "/..."</c>, so where a file sits never changes a URL.
/// </summary>
internal static class FeatureFolders
{
    public static WebApplicationBuilder AddFeatureFolders(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<RazorPagesOptions>(pages => pages.RootDirectory = "/");
        // The shared layout and partials come from the Ui library, which keeps them in /Pages/Shared.
        builder.Services.Configure<RazorViewEngineOptions>(views => views.PageViewLocationFormats.Add("/Pages/Shared/{0}" + RazorViewEngine.ViewExtension));
        return builder;
    }
}
