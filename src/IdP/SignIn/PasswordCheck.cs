using KeyPortal.Core.Users;

namespace KeyPortal.IdP.SignIn;

/// <summary>The outcome of checking a legacy password.</summary>
public sealed record PasswordCheck(User? User, bool NeedsTotp)
{
    public bool Succeeded => User is not null;
}
