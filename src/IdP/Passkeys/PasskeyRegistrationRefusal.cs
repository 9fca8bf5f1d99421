namespace KeyPortal.IdP.Passkeys;

/// <summary>Why the signed-in user may not register a passkey now (<see cref="PasskeyRegistrationRules"/>).</summary>
public enum PasskeyRegistrationRefusal
{
    /// <summary>A member of an organization with single sign-on: its identity provider manages their credentials.</summary>
    ManagedBySso,

    /// <summary>A platform operator signed in without a passkey.</summary>
    OperatorWithoutPasskey,

    /// <summary>The sign-in is not recent, and the user has a passkey to confirm with.</summary>
    ConfirmWithPasskeyFirst,

    /// <summary>The sign-in is not recent, and the user has only a password: they sign in again.</summary>
    SignInAgainFirst,
}
