using System.Security.Cryptography;
using System.Text;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.SingleSignOn;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Federation;

/// <summary>What the person asked for when a federated sign-in started.</summary>
/// <param name="ReturnUrl">A local path to continue at afterwards (a pending authorization request).</param>
/// <param name="IsTest">An Owner's connection test: show what came back, sign nobody in.</param>
/// <param name="TestedBySessionId">The Owner's IdP session, the only one that may read the test's result.</param>
public sealed record SsoSignInStart(string? ReturnUrl, bool IsTest = false, Guid? TestedBySessionId = null);

/// <summary>
/// The outstanding sign-ins sent to organizations' identity providers (<see cref="SsoSignInRequest"/>),
/// bound to the browser that started them by a random value in an HttpOnly cookie, of which the
/// database keeps only the hash. A response is believed only for a request this browser made,
/// once: <see cref="ClaimAsync"/> deletes the row before anything else happens.
/// </summary>
public sealed class SsoSignInRequests(PortalDbContext db, TimeProvider clock, IOptions<SsoOptions> options)
{
    public const string BindingCookie = "KeyPortal.IdP.Sso";

    /// <summary>A new request key (RelayState): 128 random bits, hex.</summary>
    public static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task<SsoSignInRequest> SaveAsync(
        HttpContext http, string key, Organization organization, SsoConnection connection, string? protocolRequestId, SsoSignInStart start)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(start);
        var now = clock.GetUtcNow();
        var lifetime = options.Value.SignInRequestLifetime;
        if (!http.Request.Cookies.TryGetValue(BindingCookie, out var binding) || binding.Length != 43)
        {
            binding = Base64Url(RandomNumberGenerator.GetBytes(32));
        }

        // Renewed with every start, so a browser keeps one value for the lifetime of its requests.
        http.Response.Cookies.Append(BindingCookie, binding, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            // Lax: the identity provider's answer comes back as a top-level navigation (OIDC) or,
            // for a cross-site SAML POST, through our own page that posts it again (AcsRepost).
            SameSite = SameSiteMode.Lax,
            Path = "/sso",
            MaxAge = lifetime,
        });
        // Expired requests go as new ones come; nothing else needs them.
        await db.Set<SsoSignInRequest>().Where(r => r.ExpiresAt < now).ExecuteDeleteAsync(http.RequestAborted);
        var request = new SsoSignInRequest
        {
            Id = key,
            ProtocolRequestId = protocolRequestId,
            OrganizationId = organization.Id,
            ConnectionVersion = connection.Version,
            BrowserBindingHash = SHA256.HashData(Encoding.UTF8.GetBytes(binding)),
            ReturnUrl = start.ReturnUrl,
            IsTest = start.IsTest,
            TestedBySessionId = start.TestedBySessionId,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        db.Add(request);
        await db.SaveChangesAsync(http.RequestAborted);
        return request;
    }

    /// <summary>
    /// The request <paramref name="key"/> names, when this browser made it for
    /// <paramref name="organizationId"/> and it has not expired; deleted here, so a second
    /// answer to it (or one raced on another instance) finds nothing.
    /// </summary>
    public async Task<SsoSignInRequest?> ClaimAsync(HttpContext http, string? key, Guid organizationId)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (string.IsNullOrEmpty(key) || key.Length > 64 || !http.Request.Cookies.TryGetValue(BindingCookie, out var binding))
        {
            return null;
        }

        var request = await db.Set<SsoSignInRequest>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == key, http.RequestAborted);
        if (request is null || request.OrganizationId != organizationId || request.ExpiresAt <= clock.GetUtcNow()
            || !CryptographicOperations.FixedTimeEquals(request.BrowserBindingHash, SHA256.HashData(Encoding.UTF8.GetBytes(binding))))
        {
            return null;
        }

        var claimed = await db.Set<SsoSignInRequest>().Where(r => r.Id == key).ExecuteDeleteAsync(http.RequestAborted);
        return claimed == 1 ? request : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
