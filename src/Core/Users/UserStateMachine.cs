using System.Collections.Frozen;

namespace KeyPortal.Core.Users;

/// <summary>
/// The allowed moves between <see cref="UserState"/>s. Everything not listed is refused,
/// including a move to the state the user is already in.
/// </summary>
public static class UserStateMachine
{
    private static readonly FrozenDictionary<UserState, FrozenSet<UserState>> Allowed =
        new Dictionary<UserState, FrozenSet<UserState>>
        {
            // Activation by passkey (or SSO) → Active; first Owner by password → demo mode.
            [UserState.Pending] = Set(UserState.Active, UserState.ActiveDemo, UserState.Suspended, UserState.Deactivated),
            // Registering the passkey ends demo mode.
            [UserState.ActiveDemo] = Set(UserState.Active, UserState.Reset, UserState.Suspended, UserState.Deactivated),
            [UserState.Active] = Set(UserState.Reset, UserState.Suspended, UserState.Deactivated),
            // Completing the emailed reset registers a new passkey.
            [UserState.Reset] = Set(UserState.Active, UserState.Suspended, UserState.Deactivated),
            // Lifting restores the state held before the suspension (see User.StateBeforeSuspension).
            [UserState.Suspended] = Set(UserState.Pending, UserState.ActiveDemo, UserState.Active, UserState.Reset, UserState.Deactivated),
            // A deactivated person can be added again: a new invitation, or Active at once in an SSO organization.
            [UserState.Deactivated] = Set(UserState.Pending, UserState.Active),
        }.ToFrozenDictionary();

    public static bool CanTransition(UserState from, UserState to) =>
        Allowed.TryGetValue(from, out var targets) && targets.Contains(to);

    public static IReadOnlySet<UserState> TargetsOf(UserState from) =>
        Allowed.TryGetValue(from, out var targets) ? targets : FrozenSet<UserState>.Empty;

    public static void EnsureCanTransition(UserState from, UserState to)
    {
        if (!CanTransition(from, to))
        {
            throw new DomainException(DomainErrors.IllegalTransition(from, to));
        }
    }

    private static FrozenSet<UserState> Set(params UserState[] states) => states.ToFrozenSet();
}
