using KeyPortal.Core;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Home;

[AllowAnonymous]
public sealed class IndexModel(IOptions<PublicUrlOptions> urls) : PageModel
{
    public PublicUrlOptions Urls { get; } = urls.Value;
}
