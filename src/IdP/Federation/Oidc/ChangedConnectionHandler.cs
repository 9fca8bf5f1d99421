using OpenIddict.Abstractions;
using OpenIddict.Client;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Client.OpenIddictClientEvents;
using static OpenIddict.Client.OpenIddictClientHandlerFilters;
using static OpenIddict.Client.OpenIddictClientHandlers;

namespace KeyPortal.IdP.Federation.Oidc;

/// <summary>
/// At the callback, before OpenIddict resolves the registration its valid state token names:
/// when that registration no longer resolves (the organization's connection changed since the
/// sign-in started), the answer is rejected like any invalid one (nothing is sent to any provider)
/// instead of failing the request, so the callback can refuse it with its reason, for its organization.
/// </summary>
public sealed class ChangedConnectionHandler(OpenIddictClientService registrations) : IOpenIddictClientHandler<ProcessAuthenticationContext>
{
    /// <summary>The error URI a rejection of this handler carries; its description is the reason code.</summary>
    public const string ErrorUri = "urn:keyportal:sso:registration-unavailable";

    public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .AddFilter<RequireStateTokenValidated>()
        .UseScopedHandler<ChangedConnectionHandler>()
        .SetOrder(ResolveClientRegistrationFromStateToken.Descriptor.Order - 1)
        .SetType(OpenIddictClientHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = context.StateTokenPrincipal?.GetClaim(Claims.Private.RegistrationId);
        if (context.Registration is not null || !OidcRegistrations.TryParse(id, out _, out _))
        {
            return;
        }

        context.RegistrationId = id;
        try
        {
            context.Registration = await registrations.GetClientRegistrationByIdAsync(id!, context.CancellationToken);
        }
        catch (OidcRegistrationUnavailableException unavailable)
        {
            context.Reject(error: Errors.InvalidRequest, description: unavailable.ReasonCode, uri: ErrorUri);
        }
    }
}
