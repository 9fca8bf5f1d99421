using KeyPortal.Core.Organizations;
using KeyPortal.Core.SingleSignOn;
using System.Security.Cryptography.X509Certificates;
using KeyPortal.Saml2;

namespace KeyPortal.IdP.Federation.Saml;

/// <summary>SP-initiated SAML sign-in: an AuthnRequest over HTTP-Redirect, signed with the organization's key when configured.</summary>
public sealed class SamlProtocolHandler(SamlServiceProvider serviceProvider, SsoSignInRequests requests, TimeProvider clock) : ISsoProtocolHandler
{
    public SsoProtocol Protocol => SsoProtocol.Saml;

    public async Task<IResult> ChallengeAsync(HttpContext http, Organization organization, SsoConnection connection, SsoSignInStart start)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var certificate = serviceProvider.Certificate(connection);
        var sp = serviceProvider.Describe(organization, connection, certificate);
        using var signingKey = connection.SamlSignRequests ? certificate?.GetRSAPrivateKey() : null;
        // The RelayState is only the key of our own record of this request (never a URL to trust).
        var key = SsoSignInRequests.NewKey();
        var message = AuthnRequestBuilder.Create(sp, new Uri(connection.SamlSingleSignOnUrl!), key, signingKey, clock,
            forceAuthn: start.IsTest);
        await requests.SaveAsync(http, key, organization, connection, message.Id, start);
        return Results.Redirect(message.RedirectUrl.AbsoluteUri);
    }
}
