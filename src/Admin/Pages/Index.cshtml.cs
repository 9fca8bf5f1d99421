using KeyPortal.Core.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Pages;

/// <summary>Public landing page: shows no data until the operator has signed in.</summary>
[AllowAnonymous]
public sealed class IndexModel(IOptions<PublicUrlOptions> urls) : PageModel
{
    public PublicUrlOptions Urls { get; } = urls.Value;
}
