using KeyPortal.IdP.Federation.Oidc;

namespace KeyPortal.IdP.Federation;

internal static class FederationSetup
{
    /// <summary>Single sign-on through organizations' identity providers: SAML 2.0 and upstream OpenID Connect.</summary>
    public static WebApplicationBuilder AddFederation(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<FederatedSignIn>();
        builder.Services.AddScoped<SsoSignInRequests>();
        builder.Services.AddSingleton<Saml.SamlServiceProvider>();
        builder.Services.AddScoped<ISsoProtocolHandler, Saml.SamlProtocolHandler>();
        builder.AddOidcFederation();
        return builder;
    }
}
