using Fido2NetLib;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Passkeys;

public static class PasskeyServiceCollectionExtensions
{
    /// <summary>
    /// Passkey registration and sign-in: <see cref="PasskeyOptions"/> (section <c>Passkeys</c>,
    /// validated at start-up), Fido2, the authenticator catalog and policy, and the scoped
    /// <see cref="PasskeyService"/>.
    /// </summary>
    public static IServiceCollection AddPasskeys(this IServiceCollection services)
    {
        services.AddOptions<PasskeyOptions>()
            .BindConfiguration(PasskeyOptions.SectionName)
            .PostConfigure<IConfiguration>(UseConfiguredOriginsOnly)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // Fido2 keeps nothing between calls but its configuration.
        services.TryAddSingleton<IFido2>(provider => CreateFido2(provider.GetRequiredService<IOptions<PasskeyOptions>>().Value));
        services.TryAddSingleton(_ => AuthenticatorCatalog.LoadEmbedded());
        services.TryAddSingleton<AuthenticatorPolicy>();
        services.TryAddScoped<PasskeyService>();
        services.TryAddScoped<PasskeyManagement>();
        return services;
    }

    /// <summary>The Fido2 relying party described by <paramref name="options"/> (also used by tests).</summary>
    public static IFido2 CreateFido2(PasskeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Fido2(new Fido2Configuration
        {
            RPID = options.RelyingPartyId,
            RPName = options.RelyingPartyName,
            Origins = new HashSet<string>(options.Origins, StringComparer.OrdinalIgnoreCase),
            // The browser gives up when the server would: a late answer is refused anyway.
            Timeout = (uint)options.CeremonyLifetime.TotalMilliseconds,
        });
    }

    /// <summary>
    /// The configuration binder adds configured list items to the ones a property starts with, so
    /// production origins would come on top of the development default. Configured ones replace it.
    /// </summary>
    private static void UseConfiguredOriginsOnly(PasskeyOptions options, IConfiguration configuration)
    {
        var configured = configuration.GetSection(PasskeyOptions.SectionName).GetSection(nameof(PasskeyOptions.Origins)).Get<List<string>>();
        if (configured is { Count: > 0 })
        {
            options.Origins = configured;
        }
    }
}
