using KeyPortal.Core.SingleSignOn;
using KeyPortal.IdP.Connect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;

namespace KeyPortal.IdP.Federation.Oidc;

/// <summary>
/// Upstream OpenID Connect for organizations' own identity providers, on OpenIddict's client:
/// authorization code flow with PKCE (S256), state and nonce, the id_token validated against
/// the provider's discovered keys, userinfo read when offered. Registrations are made per
/// organization at runtime (<see cref="OidcRegistrations"/>); one redirection endpoint serves
/// them all (<see cref="CallbackPath"/>).
/// </summary>
internal static class OidcFederation
{
    public const string CallbackPath = "/sso/oidc/callback";

    public static WebApplicationBuilder AddOidcFederation(this WebApplicationBuilder builder)
    {
        var sso = builder.Configuration.GetSection(SsoOptions.SectionName).Get<SsoOptions>() ?? new();
        var provider = builder.Configuration.GetSection(IdentityProviderOptions.SectionName).Get<IdentityProviderOptions>() ?? new();
        var contentRoot = builder.Environment.ContentRootPath;
        var isDevelopment = builder.Environment.IsDevelopment();
        // The client's state tokens (what it keeps of a sign-in while the browser is at the
        // provider) are signed and encrypted with the provider's own key files, which every
        // instance loads: a sign-in started on one instance can end on another.
        var signingKeys = SigningKeys.LoadSigningKeys(provider.Signing, contentRoot, isDevelopment);
        var encryption = SigningKeys.LoadEncryptionCertificate(provider.Signing, contentRoot, isDevelopment);

        builder.Services.AddMemoryCache();
        builder.Services.AddOpenIddict().AddClient(client =>
        {
            client.AllowAuthorizationCodeFlow();
            client.AddEventHandler(ChangedConnectionHandler.Descriptor);
            client.SetRedirectionEndpointUris(CallbackPath.TrimStart('/'));
            foreach (var key in signingKeys)
            {
                client.AddSigningKey(key);
            }

            client.AddEncryptionCertificate(encryption);

            var aspNetCore = client.UseAspNetCore()
                // Our callback reads the result and ends the sign-in itself, errors included: a
                // refusal is audited with its reason and the browser sees our one generic page.
                .EnableRedirectionEndpointPassthrough()
                .EnableErrorPassthrough();
            if (sso.AllowHttp)
            {
                // Development and the test peers: our own callback is plain http too, so the
                // correlation cookie that binds the state to this browser cannot be Secure there,
                // and browsers drop SameSite=None cookies that are not Secure: Lax then (the
                // answer comes back as a top-level GET navigation, which carries Lax cookies).
                aspNetCore.DisableTransportSecurityRequirement();
                builder.Services.Configure<OpenIddictClientAspNetCoreOptions>(o =>
                {
                    o.CookieBuilder.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                    o.CookieBuilder.SameSite = SameSiteMode.Lax;
                });
            }

            client.UseSystemNetHttp().SetProductInformation(typeof(OidcFederation).Assembly);
        });

        // Registrations come from the organizations' connections, not from static options.
        builder.Services.Replace(ServiceDescriptor.Singleton<OpenIddictClientService, OidcRegistrations>());
        builder.Services.AddScoped<OidcProtocolHandler>();
        builder.Services.AddScoped<ISsoProtocolHandler>(services => services.GetRequiredService<OidcProtocolHandler>());
        return builder;
    }

    public static IEndpointRouteBuilder MapOidcFederation(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(CallbackPath, [HttpMethods.Get, HttpMethods.Post], (HttpContext http, OidcProtocolHandler handler) => handler.CallbackAsync(http))
            .AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return endpoints;
    }
}
