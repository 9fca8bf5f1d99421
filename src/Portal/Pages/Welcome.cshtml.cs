using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Portal.Pages;

/// <summary>Public landing page: where sign-out ends; shows no data.</summary>
[AllowAnonymous]
public sealed class WelcomeModel : PageModel;
