namespace KeyPortal.TestSupport.Peers;

/// <summary>Options of <see cref="SimpleSamlPhpIdp"/>.</summary>
public sealed record SimpleSamlPhpOptions : SamlIdpOptions;
