namespace KeyPortal.IdP.Account;

/// <summary>A new authenticator key being set up, and the form's protected copy of it.</summary>
public sealed record PendingAuthenticator(string Key, string Setup);
