namespace KeyPortal.Admin.Sessions;

/// <summary>Who may use the operator console.</summary>
public static class OperatorAdmission
{
    /// <summary>Platform operators only (vendor staff); organization roles give no access here.</summary>
    public static Task<bool> IsPlatformOperatorAsync(User user, PortalDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Task.FromResult(user.IsPlatformOperator);
    }
}
