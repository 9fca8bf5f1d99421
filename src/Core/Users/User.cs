using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Users;

/// <summary>
/// One account per person across all organizations. The user name is the email address.
/// Password hash, security stamp, TOTP key and lockout come from ASP.NET Core Identity.
/// </summary>
public sealed class User : IdentityUser<Guid>
{
    public UserState State { get; private set; } = UserState.Pending;

    /// <summary>Set while <see cref="UserState.Suspended"/>: the state that lifting restores.</summary>
    public UserState? StateBeforeSuspension { get; private set; }

    /// <summary>Vendor staff: onboards organizations, suspends users. Not an organization role.</summary>
    public bool IsPlatformOperator { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }

    public DateTimeOffset StateChangedAt { get; private set; }

    public ICollection<Passkeys.PasskeyCredential> Passkeys { get; } = [];

    public bool HasPassword => PasswordHash is not null;

    /// <summary>TOTP second factor for the legacy password sign-in.</summary>
    public bool TotpEnabled => TwoFactorEnabled;

    /// <summary>SPEC: at least one passkey and no password.</summary>
    public static bool IsPasswordless(bool hasPassword, int passkeyCount) => !hasPassword && passkeyCount > 0;

    public static User Create(string email, string normalizedEmail, UserState initialState, DateTimeOffset now)
    {
        return new User
        {
            Id = Guid.CreateVersion7(now),
            UserName = email,
            NormalizedUserName = normalizedEmail,
            Email = email,
            NormalizedEmail = normalizedEmail,
            EmailConfirmed = false,
            // Repeated wrong passwords lock the legacy password sign-in (Identity lockout).
            LockoutEnabled = true,
            SecurityStamp = NewStamp(),
            ConcurrencyStamp = NewStamp(),
            State = initialState,
            CreatedAt = now,
            StateChangedAt = now,
        };
    }

    /// <summary>Moves to <paramref name="to"/> if the state machine allows it, else throws.</summary>
    public void TransitionTo(UserState to, DateTimeOffset now)
    {
        UserStateMachine.EnsureCanTransition(State, to);
        StateBeforeSuspension = to == UserState.Suspended ? State : null;
        State = to;
        StateChangedAt = now;
        if (to is UserState.Reset or UserState.Suspended or UserState.Deactivated)
        {
            // A new stamp ends every session and refresh token issued under the old one.
            RotateSecurityStamp();
        }
    }

    public void RotateSecurityStamp() => SecurityStamp = NewStamp();

    private static string NewStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
}
