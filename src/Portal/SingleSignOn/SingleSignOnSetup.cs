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
            // Redirects are followed by the download itself, each hop checked (scheme, no user info).
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddScoped<SamlMetadataDownload>();
        return services;
    }
}
