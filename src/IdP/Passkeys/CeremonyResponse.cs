using System.Text.Json.Nodes;
using KeyPortal.Core.Passkeys;

namespace KeyPortal.IdP.Passkeys;

/// <summary>A started WebAuthn ceremony as the browser receives it: its id and the options for <c>navigator.credentials</c>.</summary>
public sealed record CeremonyResponse(Guid CeremonyId, JsonNode Options)
{
    public static CeremonyResponse From(CeremonyStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        return new CeremonyResponse(start.CeremonyId, JsonNode.Parse(start.OptionsJson)!);
    }
}
