using KeyPortal.Core.Errors;
using KeyPortal.Core.Organizations;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Operations;

/// <summary>The accounts and organizations the commands name, found or refused with what was asked for.</summary>
internal static class Lookups
{
    public static async Task<Guid> UserIdAsync(IServiceProvider services, string email, CancellationToken cancellationToken) =>
        await services.GetRequiredService<UserDirectory>().FindIdByEmailAsync(email, cancellationToken)
        ?? throw new CommandRefusedException($"{email}: {DomainErrors.UserNotFound.Message}");

    public static async Task<Organization> OrganizationAsync(IServiceProvider services, string slug, CancellationToken cancellationToken)
    {
        // Slugs are stored lower-case (Organization.Create checks them).
        var wanted = slug.Trim().ToLowerInvariant();
        return await services.GetRequiredService<PortalDbContext>().Organizations.AsNoTracking()
                .SingleOrDefaultAsync(o => o.Slug == wanted, cancellationToken)
            ?? throw new CommandRefusedException($"{slug}: {DomainErrors.OrganizationNotFound.Message}");
    }

    /// <summary>The kinds of an organization by name, e.g. ["Customer", "Reseller"].</summary>
    public static IReadOnlyList<string> KindNames(OrganizationKind kind) =>
        [.. Kinds.Where(k => kind.HasFlag(k)).Select(k => k.ToString())];

    /// <summary>A time as the emails write it: <c>2026-12-03 06:15 UTC</c>.</summary>
    public static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "never";

    public static readonly OrganizationKind[] Kinds = [OrganizationKind.Customer, OrganizationKind.Reseller, OrganizationKind.Distributor];
}
