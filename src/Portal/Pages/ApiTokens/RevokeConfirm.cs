using KeyPortal.Core.ApiTokens;

namespace KeyPortal.Portal.Pages.ApiTokens;

/// <summary>The confirmation of revoking one token: a dialog, or inline when asked for by address.</summary>
public sealed record RevokeConfirm(ApiTokenView Token, bool Inline);
