using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace KeyPortal.IdP.Links;

/// <summary>
/// Binds a confirmed link to the browser that entered its one-time code. Without it the link
/// would be a bearer credential after the code: whoever later holds the URL (a forwarded mail,
/// browser history) could register their own passkey. A short-lived, data-protected, HttpOnly
/// cookie names the account whose code this browser confirmed; the passkey step (and the
/// onboarding password) require it, and Core refuses them without it.
/// </summary>
public static class LinkConfirmation
{
    public const string CookieName = "KeyPortal.IdP.LinkConfirmed";

    /// <summary>How long after the code this browser may finish (also the second link of a reset).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    private const string Purpose = "KeyPortal.IdP.Links.Confirmation";

    public static void Remember(HttpContext http, Guid userId)
    {
        ArgumentNullException.ThrowIfNull(http);
        var protector = Protector(http);
        http.Response.Cookies.Append(CookieName, protector.Protect(userId.ToString(), Lifetime), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            // Secure outside Development even when TLS ends at a load balancer.
            Secure = http.Request.IsHttps || !http.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment(),
            MaxAge = Lifetime,
            Path = "/",
            IsEssential = true,
        });
    }

    /// <summary>The account whose link this browser confirmed (within <see cref="Lifetime"/>), or null.</summary>
    public static Guid? ConfirmedFor(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            return Guid.TryParse(Protector(http).Unprotect(value), out var userId) ? userId : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static void Forget(HttpContext http) => http?.Response.Cookies.Delete(CookieName);

    private static ITimeLimitedDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).ToTimeLimitedDataProtector();
}
