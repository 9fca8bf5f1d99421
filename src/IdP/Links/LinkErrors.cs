using KeyPortal.Core.Errors;

namespace KeyPortal.IdP.Links;

internal static class LinkErrors
{
    public static readonly DomainError TooManyCodes =
        new("code.too_many_requests", "Too many codes were requested for this link. Wait a while, then request a new one.", DomainErrorKind.Conflict);
}
