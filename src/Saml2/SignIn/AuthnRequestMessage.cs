namespace KeyPortal.Saml2;

/// <summary>An AuthnRequest ready to send.</summary>
/// <param name="Id">The request's ID. Keep it for this browser: the Response must name it in InResponseTo.</param>
/// <param name="RedirectUrl">
/// Where to send the browser (302). Use <see cref="Uri.AbsoluteUri"/> for the Location header, not
/// <see cref="Uri.ToString"/>, which unescapes and would change the signed query.
/// </param>
public sealed record AuthnRequestMessage(string Id, Uri RedirectUrl);
