namespace KeyPortal.Saml2;

/// <summary>Metadata that cannot be used. <see cref="Exception.Message"/> is written for the administrator who supplied it.</summary>
public sealed class SamlMetadataException : Exception
{
    public SamlMetadataException()
        : this(SamlMetadataError.NotXml, "The metadata could not be read.")
    {
    }

    public SamlMetadataException(string message)
        : this(SamlMetadataError.NotXml, message)
    {
    }

    public SamlMetadataException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = SamlMetadataError.NotXml;
    }

    public SamlMetadataException(SamlMetadataError error, string message)
        : base(message)
    {
        Error = error;
    }

    public SamlMetadataError Error { get; }
}
