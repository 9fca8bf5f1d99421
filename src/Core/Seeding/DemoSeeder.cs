using KeyPortal.Core.Delivery;
using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Seeding;

/// <summary>
/// A demo data set for the embedded default: an operator, a Customer organization, a
/// Customer+Reseller organization and a Distributor, with users in every role and state, and a
/// purchase order of the Customer sold through the other two. Running it again changes nothing.
/// </summary>
public sealed class DemoSeeder(
    PortalDbContext db,
    OrganizationService organizations,
    MembershipService memberships,
    IPasswordHasher<User> passwordHasher,
    ILookupNormalizer normalizer,
    TimeProvider clock)
{
    /// <summary>The password of every demo account that has one (legacy password sign-in).</summary>
    public const string DemoPassword = "Demo-Password-2026";

    public static IReadOnlyList<DemoAccount> Accounts { get; } =
    [
        new("operator@keyportal.example", "platform operator", "Active", HasPassword: true),
        new("owner@contoso.example", "Owner of Contoso, Admin of Northwind", "Active", HasPassword: true),
        new("admin@contoso.example", "Admin of Contoso", "Active", HasPassword: true),
        new("auditor@contoso.example", "Auditor of Contoso", "Active", HasPassword: true),
        new("pending@contoso.example", "Auditor of Contoso", "Pending", HasPassword: false),
        new("reset@contoso.example", "Admin of Contoso", "Reset", HasPassword: false),
        new("suspended@contoso.example", "Auditor of Contoso", "Suspended", HasPassword: true),
        new("former@contoso.example", "removed from Contoso", "Deactivated", HasPassword: false),
        new("owner@northwind.example", "Owner of Northwind (demo mode: first Owner, no passkey yet)", "Active (demo mode)", HasPassword: true),
        new("reseller@northwind.example", "Reseller of Northwind (no console role)", "Active", HasPassword: true),
        new("distributor@fabrikam.example", "Owner and Distributor of Fabrikam", "Active", HasPassword: true),
    ];

    /// <summary>The demo purchase order's number.</summary>
    public const string DemoPurchaseOrderNumber = "PO-DEMO-0001";

    /// <summary>Seeds what is missing: everything on a new database; the demo purchase order on one seeded before it existed.</summary>
    public async Task<bool> SeedAsync(CancellationToken cancellationToken = default)
    {
        var seeded = await SeedAccountsAsync(cancellationToken);
        return await SeedPurchaseOrderAsync(cancellationToken) || seeded;
    }

    private async Task<bool> SeedAccountsAsync(CancellationToken cancellationToken)
    {
        if (await db.Organizations.AnyAsync(o => o.Slug == "contoso", cancellationToken))
        {
            return false;
        }

        var system = AuditActor.System;
        var op = await EnsureUserAsync("operator@keyportal.example", cancellationToken);
        op.IsPlatformOperator = true;

        var contoso = await organizations.CreateAsync(system, "Contoso", "contoso", OrganizationKind.Customer, cancellationToken);
        var northwind = await organizations.CreateAsync(system, "Northwind Traders", "northwind", OrganizationKind.Customer | OrganizationKind.Reseller, cancellationToken);
        var fabrikam = await organizations.CreateAsync(system, "Fabrikam Distribution", "fabrikam", OrganizationKind.Distributor, cancellationToken);

        await AddAsync(contoso, "owner@contoso.example", MemberRoles.Owner, UserState.Active, cancellationToken);
        await AddAsync(contoso, "admin@contoso.example", MemberRoles.Admin, UserState.Active, cancellationToken);
        await AddAsync(contoso, "auditor@contoso.example", MemberRoles.Auditor, UserState.Active, cancellationToken);
        await AddAsync(contoso, "pending@contoso.example", MemberRoles.Auditor, null, cancellationToken);
        await AddAsync(contoso, "reset@contoso.example", MemberRoles.Admin, UserState.Reset, cancellationToken);
        await AddAsync(contoso, "suspended@contoso.example", MemberRoles.Auditor, UserState.Suspended, cancellationToken);
        var former = await AddAsync(contoso, "former@contoso.example", MemberRoles.Auditor, UserState.Active, cancellationToken);
        await memberships.RemoveMemberAsync(system, contoso.Id, former.Id, cancellationToken);

        await AddAsync(northwind, "owner@northwind.example", MemberRoles.Owner, UserState.ActiveDemo, cancellationToken);
        await AddAsync(northwind, "reseller@northwind.example", new MemberRoles(null, ChannelRoles.Reseller), UserState.Active, cancellationToken);
        await AddAsync(northwind, "owner@contoso.example", MemberRoles.Admin, null, cancellationToken);

        await AddAsync(fabrikam, "distributor@fabrikam.example", new MemberRoles(OrganizationRole.Owner, ChannelRoles.Distributor), UserState.Active, cancellationToken);

        foreach (var account in Accounts.Where(a => a.HasPassword))
        {
            var user = await db.Users.SingleAsync(u => u.NormalizedEmail == normalizer.NormalizeEmail(account.Email), cancellationToken);
            user.PasswordHash = passwordHasher.HashPassword(user, DemoPassword);
            user.EmailConfirmed = true;
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Contoso's order, sold through Northwind (reseller) and Fabrikam (distributor), so each of
    /// their members has an order to open. Entered through the operators' own service (its rules,
    /// its audit entry), once: a database that has the number already is left as it is.
    /// </summary>
    private async Task<bool> SeedPurchaseOrderAsync(CancellationToken cancellationToken)
    {
        if (await db.PurchaseOrders.AnyAsync(o => o.Number == DemoPurchaseOrderNumber, cancellationToken))
        {
            return false;
        }

        var demo = await db.Organizations.AsNoTracking()
            .Where(o => o.Slug == "contoso" || o.Slug == "northwind" || o.Slug == "fabrikam")
            .ToDictionaryAsync(o => o.Slug, cancellationToken);
        if (!demo.TryGetValue("contoso", out var customer) || !customer.IsCustomer)
        {
            return false;
        }

        Guid? Partner(string slug, OrganizationKind kind) =>
            demo.TryGetValue(slug, out var organization) && organization.Kind.HasFlag(kind) ? organization.Id : null;

        try
        {
            await new PurchaseOrderService(db, new AuditTrail(db, clock), clock).CreateAsync(
                AuditActor.System,
                new PurchaseOrderInput(
                    DemoPurchaseOrderNumber,
                    customer.Id,
                    Partner("northwind", OrganizationKind.Reseller),
                    Partner("fabrikam", OrganizationKind.Distributor),
                    [new("YubiKey 5 NFC", 25), new("YubiKey 5C NFC", 10)]),
                cancellationToken);
            return true;
        }
        catch (DomainException refused) when (refused.Error.Code == DomainErrors.PurchaseOrderNumberTaken.Code)
        {
            // Another start seeded it at the same moment.
            return false;
        }
    }

    private async Task<User> AddAsync(Organization organization, string email, MemberRoles roles, UserState? state, CancellationToken cancellationToken)
    {
        var added = await memberships.AddMemberAsync(AuditActor.System, organization.Id, email, roles, cancellationToken);
        var user = added.User;
        if (state is { } target)
        {
            if (target is UserState.Reset or UserState.Suspended)
            {
                user.TransitionTo(UserState.Active, clock.GetUtcNow());
            }

            user.TransitionTo(target, clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
        }

        return user;
    }

    private async Task<User> EnsureUserAsync(string email, CancellationToken cancellationToken)
    {
        var normalized = normalizer.NormalizeEmail(email);
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is null)
        {
            user = User.Create(email, normalized, UserState.Pending, clock.GetUtcNow());
            user.TransitionTo(UserState.Active, clock.GetUtcNow());
            db.Users.Add(user);
            await db.SaveChangesAsync(cancellationToken);
        }

        return user;
    }
}

public sealed record DemoAccount(string Email, string Roles, string State, bool HasPassword)
{
    /// <summary>One line of the table <c>migrate --seed-demo</c> prints (and <c>run.sh</c> shows).</summary>
    public override string ToString() =>
        $"{Email,-32} {State,-20} {Roles}{(HasPassword ? "" : " (no password)")}";
}
