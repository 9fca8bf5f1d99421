using System.Security.Claims;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.SingleSignOn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Client.OpenIddictClientEvents;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Federation.Oidc;

/// <summary>
/// Sends the browser to an organization's OpenID Connect provider and reads what comes back at
/// <see cref="OidcFederation.CallbackPath"/>. OpenIddict's client does the protocol (state bound
/// to this browser and redeemed once, PKCE, nonce, code redemption, the id_token's signature,
/// issuer, audience and lifetime, userinfo); here its result is tied to our own outstanding
/// request (<see cref="SsoSignInRequests"/>, claimed once) and the connection it was made for,
/// and handed to <see cref="FederatedSignIn"/>. Every refusal carries its own reason code to the
/// audit trail; the browser sees the one generic page.
/// </summary>
public sealed class OidcProtocolHandler(
    SsoSignInRequests requests, FederatedSignIn signIn, PortalDbContext db, OpenIddictClientService registrations, IOptionsMonitor<SsoOptions> options)
    : ISsoProtocolHandler
{
    public const string Protocol = "oidc";

    /// <summary>The challenge property that carries our <see cref="SsoSignInRequest"/>'s key through the (encrypted) state token.</summary>
    public const string RequestKeyProperty = ".keyportal.sso_request";

    /// <summary>Claims that are the token's own mechanics, not something the provider says about the person.</summary>
    private static readonly HashSet<string> NotAttributes = new(StringComparer.Ordinal)
    {
        Claims.Subject, Claims.Email, Claims.EmailVerified, Claims.Nonce, Claims.AccessTokenHash, Claims.CodeHash,
    };

    SsoProtocol ISsoProtocolHandler.Protocol => SsoProtocol.OpenIdConnect;

    public async Task<IResult> ChallengeAsync(HttpContext http, Organization organization, SsoConnection connection, SsoSignInStart start)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(start);
        var key = SsoSignInRequests.NewKey();
        var request = await requests.SaveAsync(http, key, organization, connection, protocolRequestId: null, start);
        if (!OidcRegistrations.IsAllowedIssuer(connection.OidcIssuer ?? "", options.CurrentValue))
        {
            return await signIn.RefuseAsync(http, organization, request, Protocol, "issuer_not_https", connection.OidcIssuer);
        }

        var registrationId = OidcRegistrations.IdOf(connection);
        try
        {
            // Fetched here (and cached) so that an unreachable provider or a bad discovery
            // document is a refusal with its reason, not an error page of the client's.
            var registration = await registrations.GetClientRegistrationByIdAsync(registrationId, http.RequestAborted);
            await registration.ConfigurationManager!.GetConfigurationAsync(http.RequestAborted);
        }
        catch (OidcRegistrationUnavailableException unavailable)
        {
            return await signIn.RefuseAsync(http, organization, request, Protocol, unavailable.ReasonCode, null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return await signIn.RefuseAsync(http, organization, request, Protocol, "discovery_failed", exception.Message);
        }

        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.RegistrationId] = registrationId,
            [RequestKeyProperty] = key,
        });
        return Results.Challenge(properties, [OpenIddictClientAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>The provider's answer: a code to redeem, or an error; either way a sign-in of ours ends here.</summary>
    public async Task<IResult> CallbackAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        AuthenticateResult result;
        try
        {
            result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        }
        catch (OidcRegistrationUnavailableException unavailable)
        {
            // The state was ours, but the organization's connection changed since (or is unusable):
            // the registration it names no longer resolves, so nothing was sent to any provider.
            var changed = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == unavailable.OrganizationId, http.RequestAborted);
            return changed is null
                ? await signIn.RefuseUnattributedAsync(http, Protocol, unavailable.ReasonCode, null)
                : await signIn.RefuseAsync(http, changed, null, Protocol, unavailable.ReasonCode, null);
        }

        // What OpenIddict read from a valid state token, also when the answer is then refused.
        var context = http.Features.Get<OpenIddictClientAspNetCoreFeature>()?.Transaction?
            .GetProperty<ProcessAuthenticationContext>(typeof(ProcessAuthenticationContext).FullName!);
        var error = result.Succeeded ? null : ErrorOf(result, context);
        if (context?.StateTokenPrincipal is null || !OidcRegistrations.TryParse(context.RegistrationId, out var organizationId, out _))
        {
            // Without a valid state token nothing says which organization this was for: no state,
            // a forged or expired one, or one already used (a replayed callback).
            return await signIn.RefuseUnattributedAsync(http, Protocol, error?.Reason ?? "invalid_state", error?.Detail);
        }

        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, http.RequestAborted);
        if (organization is null)
        {
            return await signIn.RefuseUnattributedAsync(http, Protocol, "unknown_organization", organizationId.ToString());
        }

        var key = context.Properties.TryGetValue(RequestKeyProperty, out var value) ? value : null;
        var request = await requests.ClaimAsync(http, key, organization.Id);
        if (request is null)
        {
            // Not started by this browser, expired, or already answered.
            return await signIn.RefuseAsync(http, organization, null, Protocol, "unknown_request", error?.Reason);
        }

        if (error is not null)
        {
            return await signIn.RefuseAsync(http, organization, request, Protocol, error.Value.Reason, error.Value.Detail);
        }

        var connection = await db.Set<SsoConnection>().AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == organization.Id, http.RequestAborted);
        if (connection is not { Protocol: SsoProtocol.OpenIdConnect } || request.ConnectionVersion != connection.Version)
        {
            return await signIn.RefuseAsync(http, organization, request, Protocol, "connection_changed", null);
        }

        var principal = result.Principal!;
        var subject = principal.FindFirst(Claims.Subject)?.Value;
        if (string.IsNullOrEmpty(subject))
        {
            return await signIn.RefuseAsync(http, organization, request, Protocol, "no_subject", null);
        }

        // OpenID Connect Core §5.1: email_verified false means the provider did not verify the address.
        var verified = principal.FindFirst(Claims.EmailVerified)?.Value;
        var identity = new FederatedIdentity(
            Protocol,
            subject,
            SubjectFormat: null,
            Email: principal.FindFirst(Claims.Email)?.Value,
            EmailVerified: !string.Equals(verified, "false", StringComparison.OrdinalIgnoreCase),
            Attributes: AttributesOf(principal));
        return await signIn.CompleteAsync(http, organization, request, identity);
    }

    private static (string Reason, string? Detail)? ErrorOf(AuthenticateResult result, ProcessAuthenticationContext? context)
    {
        var error = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.Error) ?? context?.Error;
        var description = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription) ?? context?.ErrorDescription;
        // The provider's own error response (RFC 6749 §4.1.2.1) came in the callback's parameters.
        if ((string?)context?.Request?[Parameters.Error] is { Length: > 0 } upstream)
        {
            return ($"idp_error:{Sanitize(upstream)}", (string?)context.Request[Parameters.ErrorDescription]);
        }

        if (context?.StateTokenPrincipal is null)
        {
            return ("invalid_state", description);
        }

        if (context.ErrorUri == ChangedConnectionHandler.ErrorUri && description is { Length: > 0 })
        {
            return (description, null);
        }

        return (error is Errors.ServerError or Errors.TemporarilyUnavailable ? "provider_unreachable" : "invalid_token", description ?? error);
    }

    private static Dictionary<string, IReadOnlyList<string>> AttributesOf(ClaimsPrincipal principal) =>
        principal.Claims
            .Where(c => !NotAttributes.Contains(c.Type) && !c.Type.StartsWith("oi_", StringComparison.Ordinal))
            .GroupBy(c => c.Type, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(c => c.Value).Distinct(StringComparer.Ordinal)], StringComparer.Ordinal);

    /// <summary>An error code as the provider sent it, reduced to what RFC 6749 §5.2 allows and a sane length.</summary>
    private static string Sanitize(string error) =>
        new([.. error.Where(c => c is >= '\x20' and <= '\x7e' and not '"' and not '\\').Take(64)]);
}
