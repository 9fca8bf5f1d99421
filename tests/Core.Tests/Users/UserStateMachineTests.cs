namespace KeyPortal.Core.Tests.Users;

public sealed class UserStateMachineTests
{
    /// <summary>
    /// The allowed moves, derived from SPEC "User account states" and written out here rather than
    /// read from the production table, so a change to either one fails this suite.
    /// </summary>
    private static readonly Dictionary<UserState, UserState[]> Expected = new()
    {
        // Activation by passkey or SSO, first Owner by password (demo mode), operator suspension, removal.
        [UserState.Pending] = [UserState.Active, UserState.ActiveDemo, UserState.Suspended, UserState.Deactivated],
        // Registering the passkey ends demo mode.
        [UserState.ActiveDemo] = [UserState.Active, UserState.Reset, UserState.Suspended, UserState.Deactivated],
        [UserState.Active] = [UserState.Reset, UserState.Suspended, UserState.Deactivated],
        // Completing the emailed reset registers a new passkey.
        [UserState.Reset] = [UserState.Active, UserState.Suspended, UserState.Deactivated],
        // Lifting restores whatever state the user had.
        [UserState.Suspended] = [UserState.Pending, UserState.ActiveDemo, UserState.Active, UserState.Reset, UserState.Deactivated],
        // Added again: a new invitation, or Active at once in an SSO organization.
        [UserState.Deactivated] = [UserState.Pending, UserState.Active],
    };

    public static TheoryData<UserState, UserState, bool> EveryPair()
    {
        var data = new TheoryData<UserState, UserState, bool>();
        foreach (var from in Enum.GetValues<UserState>())
        {
            foreach (var to in Enum.GetValues<UserState>())
            {
                data.Add(from, to, Expected[from].Contains(to));
            }
        }

        return data;
    }

    public static TheoryData<UserState> EveryState() => [.. Enum.GetValues<UserState>()];

    [Fact]
    public void ExpectedTable_CoversEveryState()
    {
        Assert.Equal(Enum.GetValues<UserState>().Order(), Expected.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void CanTransition_EveryPair_MatchesSpec(UserState from, UserState to, bool expected)
    {
        Assert.Equal(expected, UserStateMachine.CanTransition(from, to));
    }

    [Theory]
    [MemberData(nameof(EveryState))]
    public void CanTransition_ToTheSameState_IsRefused(UserState state)
    {
        Assert.False(UserStateMachine.CanTransition(state, state));
    }

    [Theory]
    [MemberData(nameof(EveryState))]
    public void TargetsOf_EveryState_ListsExactlyTheAllowedMoves(UserState from)
    {
        Assert.Equal(Expected[from].Order(), UserStateMachine.TargetsOf(from).Order());
    }

    [Fact]
    public void CanTransition_UndefinedState_IsRefused()
    {
        Assert.False(UserStateMachine.CanTransition((UserState)99, UserState.Active));
        Assert.False(UserStateMachine.CanTransition(UserState.Pending, (UserState)99));
        Assert.Empty(UserStateMachine.TargetsOf((UserState)99));
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void EnsureCanTransition_ThrowsExactlyForRefusedMoves(UserState from, UserState to, bool allowed)
    {
        if (allowed)
        {
            UserStateMachine.EnsureCanTransition(from, to);
        }
        else
        {
            var error = DomainAssert.Refused("user.illegal_transition", () => UserStateMachine.EnsureCanTransition(from, to));
            Assert.Equal(DomainErrorKind.Conflict, error.Kind);
            Assert.Contains(UserStateNames.Display(from), error.Message, StringComparison.Ordinal);
            Assert.Contains(UserStateNames.Display(to), error.Message, StringComparison.Ordinal);
        }
    }
}
