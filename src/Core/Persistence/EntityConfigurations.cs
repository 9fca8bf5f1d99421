using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Sessions;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KeyPortal.Core.Persistence;

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.ToTable("organizations");
        builder.Property(o => o.Name).HasMaxLength(Organization.MaxNameLength);
        builder.Property(o => o.Slug).HasMaxLength(63);
        builder.HasIndex(o => o.Slug).IsUnique();
        builder.Property(o => o.Kind).HasConversion<int>();
        builder.OwnsOne(o => o.Sso, sso => sso.Property(s => s.Enabled).HasColumnName("sso_enabled"));
    }
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> builder)
    {
        builder.ToTable("memberships", table => table.HasTrigger(MemberDirectoryColumns.InsertTrigger));
        builder.HasIndex(m => new { m.OrganizationId, m.UserId }).IsUnique();

        // The Users page lists, filters, sorts and pages one organization's members on this
        // table alone: a copy of each member's email, state and last login, written by database
        // triggers (MemberDirectoryTriggers) whenever the user row changes, so it cannot drift.
        builder.Property<string?>(MemberDirectoryColumns.Email).HasMaxLength(256);
        builder.Property<UserState?>(MemberDirectoryColumns.State).HasConversion<string>().HasMaxLength(16);
        builder.Property<DateTimeOffset?>(MemberDirectoryColumns.LastLoginAt);
        // Each list order and filter has an index that ends with the membership id: finding a
        // page's members reads the index alone (MemberDirectory), in either direction.
        builder.HasIndex(nameof(Membership.OrganizationId), MemberDirectoryColumns.Email, nameof(Membership.Id));
        builder.HasIndex(nameof(Membership.OrganizationId), nameof(Membership.OrganizationRole), MemberDirectoryColumns.Email, nameof(Membership.Id));
        builder.HasIndex(nameof(Membership.OrganizationId), MemberDirectoryColumns.State, MemberDirectoryColumns.Email, nameof(Membership.Id));
        builder.HasIndex(nameof(Membership.OrganizationId), MemberDirectoryColumns.LastLoginAt, MemberDirectoryColumns.Email, nameof(Membership.Id));
        builder.HasIndex(m => m.UserId);
        builder.Property(m => m.OrganizationRole).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.ChannelRoles).HasConversion<int>();
        builder.HasOne(m => m.Organization).WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(m => m.Roles);
    }
}

internal sealed class PasskeyCredentialConfiguration : IEntityTypeConfiguration<PasskeyCredential>
{
    public void Configure(EntityTypeBuilder<PasskeyCredential> builder)
    {
        builder.ToTable("passkey_credentials");
        builder.HasIndex(p => p.CredentialId).IsUnique();
        builder.Property(p => p.CredentialId).HasMaxLength(1023);
        builder.Property(p => p.Name).HasMaxLength(64);
        builder.Property(p => p.Transports).HasMaxLength(100);
        builder.Property(p => p.AttestationFormat).HasMaxLength(32);
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Actor).HasMaxLength(320);
        builder.Property(a => a.ClientAddress).HasMaxLength(64);
        builder.HasIndex(a => new { a.OrganizationId, a.OccurredAt });
        builder.HasIndex(a => new { a.TargetUserId, a.OccurredAt });
        // The operators' platform-wide trail: newest first, all of it or by actor.
        builder.HasIndex(a => a.OccurredAt);
        builder.HasIndex(a => new { a.Actor, a.OccurredAt });
    }
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> builder)
    {
        builder.ToTable("user_sessions");
        builder.HasIndex(s => s.UserId);
        // Turning an organization's single sign-on off ends the sessions its identity provider made.
        builder.HasIndex(s => s.FederatedOrganizationId);
        builder.Property(s => s.AuthenticationMethods).HasMaxLength(64);
        builder.Property(s => s.EndReason).HasMaxLength(64);
        builder.Property(s => s.ClientAddress).HasMaxLength(64);
        builder.Property(s => s.SecurityStamp).HasMaxLength(64);
        builder.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebAuthnCeremonyConfiguration : IEntityTypeConfiguration<WebAuthnCeremony>
{
    public void Configure(EntityTypeBuilder<WebAuthnCeremony> builder)
    {
        builder.ToTable("webauthn_ceremonies");
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(c => c.ExpiresAt);
    }
}

internal sealed class ThrottleCounterConfiguration : IEntityTypeConfiguration<Throttling.ThrottleCounter>
{
    public void Configure(EntityTypeBuilder<Throttling.ThrottleCounter> builder)
    {
        builder.ToTable("throttle_counters");
        builder.HasKey(c => new { c.Key, c.Slice });
        builder.Property(c => c.Key).HasMaxLength(64);
        builder.HasIndex(c => c.ExpiresAt);
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<Mail.OutboxMessage>
{
    public void Configure(EntityTypeBuilder<Mail.OutboxMessage> builder)
    {
        builder.ToTable("mail_outbox");
        builder.Property(m => m.LastError).HasMaxLength(200);
        // The sender's claim reads the messages still to deliver in the order they fall due.
        builder.HasIndex(m => new { m.NextAttemptAt, m.Id }).HasFilter("\"SentAt\" IS NULL AND \"GaveUpAt\" IS NULL");
    }
}
