using System.Text.Json.Nodes;

namespace KeyPortal.IdP.Passkeys;

/// <summary>What the browser sends to finish a WebAuthn ceremony: the ceremony's id, the credential (<c>credential.toJSON()</c>) and where to go next.</summary>
public sealed record CompleteCeremonyRequest(Guid CeremonyId, JsonNode Credential, string? ReturnUrl);
