using System.Security.Claims;
using System.Text.Encodings.Web;
using KeyPortal.Core.ApiTokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace KeyPortal.Hosting;

/// <summary>
/// API tokens (SPEC API tokens) on the API of an app that admits them
/// (<see cref="RelyingParty.AdmitsApiTokens"/>), in either of two forms:
/// <list type="bullet">
/// <item><c>Authorization: Bearer kpat_…</c>, the token itself, checked by
/// <see cref="ApiTokenService.AuthenticateAsync"/> (its secret's hash, in constant time) on every call;</item>
/// <item>an access token the IdP issued against the token (client credentials, audience
/// <see cref="ApiAuthentication.DeliveryAudience"/>): a JWT valid by signature, for which the IdP
/// stores no token entry. Instead, every call re-checks the API token behind it
/// (<see cref="ApiTokenService.FindLiveAsync"/>), so revoking the token, and every change of its
/// member that ends it (suspension, deactivation, reset, removal from the organization, loss of
/// the right to generate tokens), refuses the JWT on its next call, not when it expires.</item>
/// </list>
/// Both give the same principal: <c>sub</c> the token's user, <c>ks:org</c> its organization (the
/// only one it acts in, see <see cref="Core.Authorization.CurrentMember"/>) and
/// <c>ks:api_token</c> its public id. The member's permissions of the moment apply, as for the
/// member's own tokens. Every refusal is the API's 401 or 403 problem.
/// </summary>
public static class ApiTokenAuthentication
{
    /// <summary>The scheme of the direct bearer (<c>kpat_…</c>).</summary>
    public const string Scheme = "KeyPortal.ApiToken";

    /// <summary>
    /// True when the request's bearer credential has an API token's prefix: the API scheme sends
    /// it to <see cref="Scheme"/> rather than to the JWT handler. Only a choice of handler: the
    /// handler chosen checks everything.
    /// </summary>
    public static bool IsApiTokenBearer(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PresentedToken(request)?.StartsWith(ApiTokenSecret.Prefix, StringComparison.Ordinal) == true;
    }

    /// <summary>The principal of an API token's caller, the same for the direct bearer and for a JWT issued against the token.</summary>
    public static ClaimsPrincipal PrincipalOf(ApiTokenCaller caller, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(KeyPortalClaims.Subject, caller.UserId.ToString()),
                new Claim(KeyPortalClaims.Organization, caller.OrganizationId.ToString()),
                new Claim(KeyPortalClaims.ApiToken, caller.PublicId),
            ],
            authenticationType,
            KeyPortalClaims.Subject,
            roleType: null));
    }

    internal static void AddApiTokens(this AuthenticationBuilder authentication) =>
        authentication.AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(Scheme, "API token", configureOptions: null);

    /// <summary>
    /// For a JWT for <see cref="ApiAuthentication.DeliveryAudience"/>, already valid by signature,
    /// issuer, lifetime and type: accepted only while the API token it was issued against is live
    /// and still belongs to the user and organization the JWT names. Replaces the JWT's principal
    /// with the API token caller's.
    /// </summary>
    internal static async Task ValidateIssuedTokenAsync(TokenValidatedContext context)
    {
        var http = context.HttpContext;
        if (!http.RequestServices.GetRequiredService<RelyingParty>().AdmitsApiTokens)
        {
            context.Fail("This app's API does not take API tokens.");
            return;
        }

        var principal = context.Principal;
        var publicId = principal?.FindFirstValue(KeyPortalClaims.ApiToken);
        // RFC 9068 §2.2: a client acting for itself is the token's subject; the API token is the client.
        if (principal is null || publicId is null
            || !string.Equals(principal.FindFirstValue(KeyPortalClaims.Subject), publicId, StringComparison.Ordinal)
            || (principal.FindFirstValue(KeyPortalClaims.ClientId) is { } clientId && !string.Equals(clientId, publicId, StringComparison.Ordinal))
            || !Guid.TryParse(principal.FindFirstValue(KeyPortalClaims.ApiTokenUser), out var userId)
            || !Guid.TryParse(principal.FindFirstValue(KeyPortalClaims.Organization), out var organizationId))
        {
            context.Fail("The access token does not name an API token.");
            return;
        }

        var caller = await http.RequestServices.GetRequiredService<ApiTokenService>()
            .FindLiveAsync(publicId, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        // The JWT stands for the token as it was when issued: the same member in the same
        // organization, or nothing (token ids are never reused, but a check costs nothing).
        if (caller is null || caller.UserId != userId || caller.OrganizationId != organizationId)
        {
            context.Fail("The API token the access token was issued against was revoked, expired or no longer holds.");
            return;
        }

        context.Principal = PrincipalOf(caller, context.Scheme.Name);
    }

    /// <summary>The credential of <c>Authorization: Bearer …</c>, or null.</summary>
    private static string? PresentedToken(HttpRequest request)
    {
        var header = request.Headers[HeaderNames.Authorization].ToString();
        const string bearer = "Bearer ";
        return header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? header[bearer.Length..].Trim() : null;
    }

    /// <summary>The direct bearer: <c>Authorization: Bearer kpat_…</c>, checked against the database on every call.</summary>
    private sealed class ApiTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (PresentedToken(Request) is not { Length: > 0 } presented)
            {
                return AuthenticateResult.NoResult();
            }

            if (!Context.RequestServices.GetRequiredService<RelyingParty>().AdmitsApiTokens)
            {
                return AuthenticateResult.Fail("This app's API does not take API tokens.");
            }

            // Unknown, wrong secret, expired, revoked, or its member may no longer hold it: one
            // answer for all, so the response tells a caller nothing about which.
            var caller = await Context.RequestServices.GetRequiredService<ApiTokenService>()
                .AuthenticateAsync(presented, Context.Connection.RemoteIpAddress?.ToString(), Context.RequestAborted);
            return caller is null
                ? AuthenticateResult.Fail("The API token is unknown, expired or revoked, or its member may no longer use it.")
                : AuthenticateResult.Success(new AuthenticationTicket(PrincipalOf(caller, Scheme.Name), Scheme.Name));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            var result = await HandleAuthenticateOnceSafeAsync();
            await ApiAuthentication.WriteChallengeAsync(Context, result.Failure is null ? null : "invalid_token");
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => ApiAuthentication.WriteForbiddenAsync(Context);
    }
}
