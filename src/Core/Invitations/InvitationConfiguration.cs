using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KeyPortal.Core.Invitations;

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> builder)
    {
        builder.ToTable("invitations");
        // Links are looked up by the hash of their token.
        builder.HasIndex(i => i.TokenHash).IsUnique();
        builder.Property(i => i.TokenHash).HasMaxLength(32);
        builder.Property(i => i.CodeHash).HasMaxLength(32);
        builder.Property(i => i.CodeSalt).HasMaxLength(32);
        // Superseding finds a user's open invitations.
        builder.HasIndex(i => new { i.UserId, i.UsedAt, i.SupersededAt });
        builder.Property(i => i.Purpose).HasConversion<string>().HasMaxLength(16);
        builder.Property(i => i.OrganizationRole).HasConversion<string>().HasMaxLength(16);
        builder.Property(i => i.ChannelRoles).HasConversion<int>();
        builder.Ignore(i => i.Roles);
        builder.Ignore(i => i.NeedsCode);
        builder.HasOne<User>().WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
