namespace KeyPortal.Core.Users;

/// <summary>The lifecycle of an account (SPEC: User account states).</summary>
public enum UserState
{
    /// <summary>Invited; activation email sent; not activated yet. Initial state.</summary>
    Pending = 0,

    /// <summary>First Owner who activated with a password and has no passkey yet: onboarding only.</summary>
    ActiveDemo = 1,

    Active = 2,

    /// <summary>Credentials wiped by an Owner or operator; waits for the emailed reset.</summary>
    Reset = 3,

    /// <summary>Set and lifted by operators only; memberships are kept.</summary>
    Suspended = 4,

    /// <summary>Removed from every organization.</summary>
    Deactivated = 5,
}

public static class UserStateRules
{
    /// <summary>
    /// SPEC: only Active accounts (and a first Owner in demo mode) may hold a session, get
    /// tokens, sign in or accept an invitation. An explicit allow-list: a state added later is
    /// refused until someone decides otherwise. The one home of this rule.
    /// </summary>
    public static bool MayHoldSession(this UserState state) => state is UserState.Active or UserState.ActiveDemo;
}

public static class UserStateNames
{
    public static string Display(UserState state) => state switch
    {
        UserState.ActiveDemo => "Active (demo mode)",
        _ => state.ToString(),
    };
}
