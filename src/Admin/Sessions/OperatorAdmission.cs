using KeyPortal.Core.Sessions;

namespace KeyPortal.Admin.Sessions;

/// <summary>Who may use the operator console.</summary>
public static class OperatorAdmission
{
    /// <summary>
    /// Platform operators only (vendor staff; organization roles give no access here), and only
    /// in a session signed in with a passkey: a password session, however fresh, is refused.
    /// The methods come from the IdP's session row, not from the cookie.
    /// </summary>
    public static Task<bool> IsPlatformOperatorAsync(User user, UserSession session, PortalDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(session);
        return Task.FromResult(user.IsPlatformOperator && AuthenticationMethods.Include(session.AuthenticationMethods, AuthenticationMethods.Passkey));
    }
}
