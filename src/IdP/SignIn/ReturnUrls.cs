namespace KeyPortal.IdP.SignIn;

internal static class ReturnUrls
{
    /// <summary>Only local paths (the authorization endpoint, the account page): never an open redirect.</summary>
    public static string Safe(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl)
        && returnUrl.StartsWith('/')
        && !returnUrl.StartsWith("//", StringComparison.Ordinal)
        && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}
