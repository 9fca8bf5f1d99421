using KeyPortal.Core.Errors;

namespace KeyPortal.IdP.Account;

/// <summary>Refusals of the account page's own steps (authenticator-app set-up, the current password).</summary>
internal static class AccountErrors
{
    public static readonly DomainError TotpAlreadyOn = new("totp.already_on", "Authenticator-app codes are already on. Turn them off first to set up a new app.", DomainErrorKind.Conflict);

    public static readonly DomainError TotpSetupExpired = new("totp.setup_expired", "This set-up has expired or belongs to another sign-in. Start again with your current password.");

    public static readonly DomainError TotpCodeWrong = new("totp.code_wrong", "That code does not match. Check the time on your phone and enter the current code.");

    public static readonly DomainError CurrentPasswordWrong = new("password.current_wrong", "Your current password is not correct.");
}
