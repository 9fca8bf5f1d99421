using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KeyPortal.Core.Delivery;

internal sealed class PurchaseOrderConfiguration : IEntityTypeConfiguration<PurchaseOrder>
{
    public void Configure(EntityTypeBuilder<PurchaseOrder> builder)
    {
        builder.ToTable("purchase_orders");
        builder.Property(o => o.Number).HasMaxLength(PurchaseOrder.MaxNumberLength);
        builder.HasIndex(o => o.Number).IsUnique();
        builder.HasIndex(o => new { o.CustomerOrganizationId, o.Id });
        builder.HasIndex(o => new { o.ResellerOrganizationId, o.Id });
        builder.HasIndex(o => new { o.DistributorOrganizationId, o.Id });
        builder.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.PurchaseOrderId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Organization>().WithMany().HasForeignKey(o => o.CustomerOrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Organization>().WithMany().HasForeignKey(o => o.ResellerOrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Organization>().WithMany().HasForeignKey(o => o.DistributorOrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PurchaseOrderLineConfiguration : IEntityTypeConfiguration<PurchaseOrderLine>
{
    public void Configure(EntityTypeBuilder<PurchaseOrderLine> builder)
    {
        builder.ToTable("purchase_order_lines");
        builder.Property(l => l.Product).HasMaxLength(PurchaseOrderLine.MaxProductLength);
        builder.HasIndex(l => new { l.PurchaseOrderId, l.Position }).IsUnique();
    }
}

internal sealed class ShipmentRequestConfiguration : IEntityTypeConfiguration<ShipmentRequest>
{
    public void Configure(EntityTypeBuilder<ShipmentRequest> builder)
    {
        builder.ToTable("shipment_requests");
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.RecipientName).HasMaxLength(200);
        builder.Property(s => s.Email).HasMaxLength(254);
        builder.Property(s => s.Phone).HasMaxLength(32);
        builder.Property(s => s.Street).HasMaxLength(300);
        builder.Property(s => s.City).HasMaxLength(100);
        builder.Property(s => s.Region).HasMaxLength(100);
        builder.Property(s => s.PostalCode).HasMaxLength(16);
        builder.Property(s => s.Country).HasMaxLength(2);
        builder.Property(s => s.ValidationOverrideReason).HasMaxLength(ShipmentRequest.MaxOverrideReasonLength);
        builder.Ignore(s => s.Address);
        builder.Ignore(s => s.IsOpen);
        // The organization's list, newest first, is a range on this index (keyset paging on Id).
        builder.HasIndex(s => new { s.OrganizationId, s.Id });
        builder.HasIndex(s => new { s.PurchaseOrderId, s.Id });
        builder.HasMany(s => s.Items).WithOne().HasForeignKey(i => i.ShipmentRequestId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<PurchaseOrder>().WithMany().HasForeignKey(s => s.PurchaseOrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ShipmentItemConfiguration : IEntityTypeConfiguration<ShipmentItem>
{
    public void Configure(EntityTypeBuilder<ShipmentItem> builder)
    {
        builder.ToTable("shipment_items");
        builder.HasIndex(i => new { i.ShipmentRequestId, i.PurchaseOrderLineId }).IsUnique();
        builder.HasIndex(i => i.PurchaseOrderLineId);
        builder.HasOne<PurchaseOrderLine>().WithMany().HasForeignKey(i => i.PurchaseOrderLineId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class IdempotentRequestConfiguration : IEntityTypeConfiguration<IdempotentRequest>
{
    public void Configure(EntityTypeBuilder<IdempotentRequest> builder)
    {
        builder.ToTable("idempotent_requests");
        builder.HasKey(r => new { r.Scope, r.Key });
        builder.Property(r => r.Scope).HasMaxLength(80);
        builder.Property(r => r.Key).HasMaxLength(IdempotentRequest.MaxKeyLength);
        builder.Property(r => r.RequestHash).HasMaxLength(32);
        builder.HasIndex(r => r.CreatedAt);
    }
}
