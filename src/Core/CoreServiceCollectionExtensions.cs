using KeyPortal.Core.Authorization;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Mail;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Resets;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.SingleSignOn;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KeyPortal.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>The domain, its database, mail and authorization policies: what every app needs.</summary>
    public static IServiceCollection AddPortalCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PublicUrlOptions>().BindConfiguration(PublicUrlOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddPortalDatabase(configuration);
        services.AddPortalMail();
        services.AddPermissionPolicies();

        // Accounts: password hashing, security stamps and TOTP keys from ASP.NET Core Identity.
        services.AddIdentityCore<User>(ConfigureIdentity)
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddDefaultTokenProviders();

        // OpenIddict's stores: the IdP issues from them, Portal and Admin check token entries in them.
        services.AddOpenIddict().AddCore(options => options.UseEntityFrameworkCore().UseDbContext<PortalDbContext>());

        services.AddScoped<AuditTrail>();
        services.AddScoped<OrganizationService>();
        services.AddScoped<MembershipService>();
        services.AddScoped<MemberDirectory>();
        services.AddScoped<Throttling.SharedThrottle>();
        services.AddScoped<UserAccountService>();
        services.AddScoped<LegacyCredentials>();
        services.AddScoped<DemoSeeder>();

        services.AddOptions<InvitationOptions>().BindConfiguration(InvitationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<InvitationService>();
        services.AddScoped<MembershipInvitations>();
        services.AddScoped<OrganizationOnboarding>();
        services.AddScoped<OperatorMemberships>();
        // The catalogue of authenticator models names a user's passkeys on their profile.
        services.TryAddSingleton(_ => AuthenticatorCatalog.LoadEmbedded());
        services.AddScoped<UserDirectory>();
        services.AddScoped<OrganizationDirectory>();
        services.AddScoped<PlatformAuditLog>();
        services.AddScoped<AccountResetService>();

        services.AddOptions<SsoOptions>().BindConfiguration(SsoOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IDomainRecordLookup, DnsDomainRecordLookup>();
        // SsoSecrets comes from the host, which holds the installation's shared data protection.
        services.AddScoped<SsoService>();

        services.AddOptions<ApiTokens.ApiTokenOptions>().BindConfiguration(ApiTokens.ApiTokenOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<ApiTokens.ApiTokenService>();
        services.AddScoped<Delivery.PurchaseOrderService>();
        services.AddScoped<Delivery.ShipmentService>();
        services.AddScoped<Delivery.DeliveryQueries>();
        services.AddScoped<Delivery.IdempotencyStore>();
        return services;
    }

    /// <summary>The product's Identity settings (password rules, lockout); tests build a UserManager with them.</summary>
    public static void ConfigureIdentity(IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.User.RequireUniqueEmail = true;
        options.User.AllowedUserNameCharacters = null!;
        options.Password.RequiredLength = 12;
        options.Lockout.MaxFailedAccessAttempts = 5;
        options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
    }
}
