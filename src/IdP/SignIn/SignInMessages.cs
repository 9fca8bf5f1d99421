namespace KeyPortal.IdP.SignIn;

internal static class SignInMessages
{
    /// <summary>
    /// The one answer to every failed sign-in: unknown email, wrong password or passkey,
    /// locked, pending, reset, suspended or deactivated account. Telling them apart would let
    /// anyone probe which addresses have accounts and in which state.
    /// </summary>
    public const string GenericFailure =
        "We couldn't sign you in with those details. Check the email address and try again, or ask an Owner of your organization for help.";

    public const string TooManyAttempts = "Too many sign-in attempts. Wait a few minutes and try again.";
}
