namespace KeyPortal.TestSupport.Peers;

/// <summary>Options of <see cref="PySaml2Idp"/>.</summary>
public sealed record PySaml2Options : SamlIdpOptions;
