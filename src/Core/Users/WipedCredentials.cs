namespace KeyPortal.Core.Users;

/// <summary>What <see cref="CredentialRemoval.WipeAllAsync"/> took away, for the audit entry.</summary>
public sealed record WipedCredentials(int PasskeysRemoved, bool PasswordRemoved, bool TotpRemoved);
