using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KeyPortal.Core.ApiTokens;

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.ToTable("api_tokens");
        builder.Property(t => t.PublicId).HasMaxLength(32);
        builder.HasIndex(t => t.PublicId).IsUnique();
        builder.Property(t => t.SecretHash).HasMaxLength(32);
        builder.Property(t => t.Name).HasMaxLength(ApiToken.MaxNameLength);
        builder.Property(t => t.LastUsedFrom).HasMaxLength(64);
        builder.HasIndex(t => new { t.OrganizationId, t.CreatedAt });
        builder.HasIndex(t => t.UserId);
        builder.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
