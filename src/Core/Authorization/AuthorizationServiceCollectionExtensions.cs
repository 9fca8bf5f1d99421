using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Core.Authorization;

public static class AuthorizationServiceCollectionExtensions
{
    /// <summary>Registers one policy per <see cref="Permission"/>, named by <see cref="PermissionRequirement.PolicyName"/>.</summary>
    public static IServiceCollection AddPermissionPolicies(this IServiceCollection services)
    {
        services.AddScoped<CurrentMember>();
        services.AddScoped<IAuthorizationHandler, PermissionAuthorizationHandler>();
        services.AddAuthorizationBuilder();
        services.Configure<AuthorizationOptions>(options =>
        {
            foreach (var permission in Enum.GetValues<Permission>())
            {
                options.AddPolicy(PermissionRequirement.PolicyName(permission), policy =>
                    policy.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
            }
        });
        return services;
    }
}
