using KeyPortal.Hosting;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// The IdP's own check of a client's own access token, which has no token entry: wherever
/// OpenIddict validates one (introspection, revocation, userinfo), it holds only while its client
/// is registered with the secret it names (<see cref="ClientTokens"/>), as at the apps. Tokens
/// issued against API tokens are left to the apps, which check the API token itself.
/// </summary>
internal sealed class ClientTokenLiveness(IOpenIddictApplicationManager applications)
    : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.ValidateTokenContext>()
            .UseScopedHandler<ClientTokenLiveness>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateExpirationDate.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Principal is not { } principal || !string.IsNullOrEmpty(context.TokenId)
            || !principal.HasTokenType(TokenTypeIdentifiers.AccessToken)
            || principal.GetClaim(Claims.Subject) is not { } subject || subject != principal.GetClaim(Claims.ClientId)
            || ApiTokenClientCredentials.IsApiTokenClient(subject))
        {
            return;
        }

        if (!await ClientTokens.IsLiveAsync(principal, applications, context.CancellationToken))
        {
            context.Reject(Errors.InvalidToken, "The client was removed or its secret changed since the token was issued.");
        }
    }
}
