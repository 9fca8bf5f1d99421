namespace KeyPortal.Ui;

/// <summary>Names shown in every app's header and titles.</summary>
public static class ProductInfo
{
    public const string Name = "Key Portal";
}
