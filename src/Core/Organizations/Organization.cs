using System.Text.RegularExpressions;

namespace KeyPortal.Core.Organizations;

/// <summary>A customer account: a company, or one country's branch of it.</summary>
public sealed partial class Organization
{
    public const int MaxNameLength = 200;

    private Organization()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>Short unique name used in URLs and SSO login links.</summary>
    public string Slug { get; private set; } = "";

    public OrganizationKind Kind { get; private set; }

    /// <summary>Single sign-on settings; configured by the SSO feature, off by default.</summary>
    public SsoSettings Sso { get; private set; } = new();

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>
    /// Bumped by every membership change inside its transaction. The update takes the
    /// organization's row lock first, so two Owners changing roles at the same instant are
    /// serialized and the second sees the first's result (at-least-one-Owner rule).
    /// </summary>
    public long MembershipVersion { get; private set; }

    public bool IsCustomer => Kind.HasFlag(OrganizationKind.Customer);

    public static Organization Create(string name, string slug, OrganizationKind kind, DateTimeOffset now)
    {
        name = name?.Trim() ?? "";
        slug = slug?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl))
        {
            throw new DomainException(DomainErrors.OrganizationNameInvalid);
        }

        if (!SlugPattern().IsMatch(slug))
        {
            throw new DomainException(DomainErrors.OrganizationSlugInvalid);
        }

        EnsureValid(kind);
        return new Organization { Id = Guid.CreateVersion7(now), Name = name, Slug = slug, Kind = kind, CreatedAt = now };
    }

    /// <summary>
    /// Sets the kinds; <see cref="OrganizationService.ChangeKindAsync"/> checks first that nothing
    /// depends on a kind being removed.
    /// </summary>
    internal void ChangeKind(OrganizationKind kind)
    {
        EnsureValid(kind);
        Kind = kind;
    }

    internal static void EnsureValid(OrganizationKind kind)
    {
        if ((kind & (OrganizationKind.Customer | OrganizationKind.Reseller | OrganizationKind.Distributor)) == 0
            || (kind & ~(OrganizationKind.Customer | OrganizationKind.Reseller | OrganizationKind.Distributor)) != 0)
        {
            throw new DomainException(DomainErrors.OrganizationKindEmpty);
        }
    }

    // Hyphens only between letters or digits: "acme-eu", not "acme-" or "acme--eu".
    [GeneratedRegex("^(?=.{2,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();
}

/// <summary>Placeholder for federation settings; the SSO feature fills in the protocol details.</summary>
public sealed class SsoSettings
{
    public bool Enabled { get; set; }
}
