using KeyPortal.Core.SingleSignOn;

namespace KeyPortal.Portal.SingleSignOn;

internal static class SingleSignOnSetup
{
    /// <summary>What the single sign-on page needs besides Core's SsoService: the metadata download.</summary>
    public static IServiceCollection AddSingleSignOnSettings(this IServiceCollection services)
    {
        services.AddHttpClient(SamlMetadataDownload.ClientName, client =>
            {
                client.Timeout = SamlMetadataDownload.Timeout;
                client.MaxResponseContentBufferSize = SamlMetadataDownload.MaxBytes;
            })
            // Redirects are followed by the download itself, each hop checked (scheme, no user info);
            // every connection goes to a public address only (OutboundAddresses), unless configured.
            .ConfigurePrimaryHttpMessageHandler(provider => OutboundAddresses.Handler(
                provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SsoOptions>>().Value.AllowPrivateNetworks));
        services.AddScoped<SamlMetadataDownload>();
        return services;
    }
}
