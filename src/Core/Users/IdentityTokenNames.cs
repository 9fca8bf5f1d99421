namespace KeyPortal.Core.Users;

/// <summary>Where ASP.NET Core Identity keeps a user's TOTP key and recovery codes (table user_tokens).</summary>
public static class IdentityTokenNames
{
    /// <summary>Identity's own login provider for the tokens it stores.</summary>
    public const string Provider = "[AspNetUserStore]";

    public const string AuthenticatorKey = "AuthenticatorKey";

    public const string RecoveryCodes = "RecoveryCodes";
}
