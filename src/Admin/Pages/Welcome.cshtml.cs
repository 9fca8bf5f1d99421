using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Admin.Pages;

/// <summary>Public landing page: where sign-out ends; shows no data until the operator has signed in.</summary>
[AllowAnonymous]
public sealed class WelcomeModel : PageModel;
