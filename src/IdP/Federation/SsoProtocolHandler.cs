using KeyPortal.Core.Organizations;
using KeyPortal.Core.SingleSignOn;

namespace KeyPortal.IdP.Federation;

/// <summary>One protocol's way to send the browser to an organization's identity provider.</summary>
public interface ISsoProtocolHandler
{
    SsoProtocol Protocol { get; }

    /// <summary>Records the outstanding request (<see cref="SsoSignInRequests"/>) and redirects to the identity provider.</summary>
    Task<IResult> ChallengeAsync(HttpContext http, Organization organization, SsoConnection connection, SsoSignInStart start);
}
