using KeyPortal.IdP.Tests.Links;
using Microsoft.AspNetCore.Hosting;

namespace KeyPortal.IdP.Tests.Account;

/// <summary>The IdP with a short recent-authentication window, so tests can watch it expire.</summary>
public sealed class ShortWindowFactory : LinkFactory
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("IdentityProvider:RecentAuthenticationWindow", Window.ToString());
    }
}
