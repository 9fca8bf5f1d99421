using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KeyPortal.Core.SingleSignOn;

internal sealed class SsoConnectionConfiguration : IEntityTypeConfiguration<SsoConnection>
{
    public void Configure(EntityTypeBuilder<SsoConnection> builder)
    {
        builder.ToTable("sso_connections");
        builder.HasKey(c => c.OrganizationId);
        builder.Property(c => c.Protocol).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.SamlIdentityProviderEntityId).HasMaxLength(SsoConnection.MaxUrlLength);
        builder.Property(c => c.SamlSingleSignOnUrl).HasMaxLength(SsoConnection.MaxUrlLength);
        builder.Property(c => c.SamlMetadataUrl).HasMaxLength(SsoConnection.MaxUrlLength);
        builder.Property(c => c.OidcIssuer).HasMaxLength(SsoConnection.MaxUrlLength);
        builder.Property(c => c.OidcClientId).HasMaxLength(200);
        builder.Ignore(c => c.IsComplete);
        builder.HasOne<Organization>().WithOne().HasForeignKey<SsoConnection>(c => c.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SsoDomainConfiguration : IEntityTypeConfiguration<SsoDomain>
{
    public void Configure(EntityTypeBuilder<SsoDomain> builder)
    {
        builder.ToTable("sso_domains");
        builder.Property(d => d.Domain).HasMaxLength(SsoDomain.MaxLength);
        builder.Property(d => d.VerificationToken).HasMaxLength(64);
        builder.Property(d => d.VerifiedBy).HasMaxLength(16);
        builder.HasIndex(d => new { d.OrganizationId, d.Domain }).IsUnique();
        // One organization at most holds a domain verified: the database says so, whatever races.
        builder.HasIndex(d => d.Domain).IsUnique().HasFilter("\"VerifiedAt\" IS NOT NULL").HasDatabaseName("ix_sso_domains_verified_domain");
        builder.Ignore(d => d.IsVerified);
        builder.Ignore(d => d.ExpectedRecord);
        builder.HasOne<Organization>().WithMany().HasForeignKey(d => d.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SsoSignInRequestConfiguration : IEntityTypeConfiguration<SsoSignInRequest>
{
    public void Configure(EntityTypeBuilder<SsoSignInRequest> builder)
    {
        builder.ToTable("sso_signin_requests");
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.ProtocolRequestId).HasMaxLength(128);
        builder.Property(r => r.BrowserBindingHash).HasMaxLength(32);
        builder.Property(r => r.ReturnUrl).HasMaxLength(4096);
        builder.HasIndex(r => r.ExpiresAt);
        builder.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SamlAssertionUseConfiguration : IEntityTypeConfiguration<SamlAssertionUse>
{
    public void Configure(EntityTypeBuilder<SamlAssertionUse> builder)
    {
        builder.ToTable("saml_assertion_uses");
        builder.HasKey(u => u.Key);
        builder.Property(u => u.Key).HasMaxLength(64);
        builder.HasIndex(u => u.ExpiresAt);
    }
}

internal sealed class SsoTestResultConfiguration : IEntityTypeConfiguration<SsoTestResult>
{
    public void Configure(EntityTypeBuilder<SsoTestResult> builder)
    {
        builder.ToTable("sso_test_results");
        builder.Property(r => r.ReasonCode).HasMaxLength(64);
        builder.HasIndex(r => r.CreatedAt);
        builder.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
