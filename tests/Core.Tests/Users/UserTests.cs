namespace KeyPortal.Core.Tests.Users;

public sealed class UserTests
{
    private static readonly DateTimeOffset Created = TestClock.Start;
    private static readonly DateTimeOffset Later = TestClock.Start.AddHours(3);

    /// <summary>States whose entry must end every session (SPEC: reset, suspension, deactivation invalidate them).</summary>
    private static readonly UserState[] StampRotatingStates = [UserState.Reset, UserState.Suspended, UserState.Deactivated];

    public static TheoryData<UserState, UserState> AllowedMoves()
    {
        var data = new TheoryData<UserState, UserState>();
        foreach (var from in Enum.GetValues<UserState>())
        {
            foreach (var to in UserStateMachine.TargetsOf(from))
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    public static TheoryData<UserState, UserState> RefusedMoves()
    {
        var data = new TheoryData<UserState, UserState>();
        foreach (var from in Enum.GetValues<UserState>())
        {
            foreach (var to in Enum.GetValues<UserState>().Where(to => !UserStateMachine.CanTransition(from, to)))
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Fact]
    public void Create_SetsIdentityFieldsAndState()
    {
        var user = UserIn(UserState.Pending);

        Assert.Equal("ann@example.com", user.Email);
        Assert.Equal("ann@example.com", user.UserName);
        Assert.Equal("ANN@EXAMPLE.COM", user.NormalizedEmail);
        Assert.Equal("ANN@EXAMPLE.COM", user.NormalizedUserName);
        Assert.Equal(UserState.Pending, user.State);
        Assert.Equal(Created, user.CreatedAt);
        Assert.Equal(Created, user.StateChangedAt);
        Assert.False(string.IsNullOrEmpty(user.SecurityStamp));
        Assert.NotEqual(user.SecurityStamp, UserIn(UserState.Pending).SecurityStamp);
    }

    [Theory]
    [MemberData(nameof(RefusedMoves))]
    public void TransitionTo_RefusedMove_ThrowsAndChangesNothing(UserState from, UserState to)
    {
        var user = UserIn(from);
        var stamp = user.SecurityStamp;

        DomainAssert.Refused("user.illegal_transition", () => user.TransitionTo(to, Later));

        Assert.Equal(from, user.State);
        Assert.Equal(stamp, user.SecurityStamp);
        Assert.Equal(Created, user.StateChangedAt);
    }

    [Theory]
    [MemberData(nameof(AllowedMoves))]
    public void TransitionTo_AllowedMove_SetsStateAndTime(UserState from, UserState to)
    {
        var user = UserIn(from);

        user.TransitionTo(to, Later);

        Assert.Equal(to, user.State);
        Assert.Equal(Later, user.StateChangedAt);
    }

    [Theory]
    [MemberData(nameof(AllowedMoves))]
    public void TransitionTo_RotatesSecurityStampExactlyOnResetSuspensionAndDeactivation(UserState from, UserState to)
    {
        var user = UserIn(from);
        var stamp = user.SecurityStamp;

        user.TransitionTo(to, Later);

        Assert.Equal(StampRotatingStates.Contains(to), stamp != user.SecurityStamp);
    }

    [Theory]
    [InlineData(UserState.Pending)]
    [InlineData(UserState.ActiveDemo)]
    [InlineData(UserState.Active)]
    [InlineData(UserState.Reset)]
    public void TransitionTo_Suspended_RecordsTheStateToRestore(UserState from)
    {
        var user = UserIn(from);

        user.TransitionTo(UserState.Suspended, Later);

        Assert.Equal(from, user.StateBeforeSuspension);
    }

    [Fact]
    public void TransitionTo_LeavingSuspension_ClearsStateBeforeSuspension()
    {
        var user = UserIn(UserState.Reset);
        user.TransitionTo(UserState.Suspended, Later);

        user.TransitionTo(UserState.Reset, Later.AddDays(1));

        Assert.Null(user.StateBeforeSuspension);
        Assert.Equal(UserState.Reset, user.State);
    }

    [Theory]
    [InlineData(false, 0, false)]
    [InlineData(false, 1, true)]
    [InlineData(false, 2, true)]
    [InlineData(true, 0, false)]
    [InlineData(true, 1, false)]
    public void IsPasswordless_NeedsAPasskeyAndNoPassword(bool hasPassword, int passkeys, bool expected)
    {
        Assert.Equal(expected, User.IsPasswordless(hasPassword, passkeys));
    }

    private static User UserIn(UserState state) => User.Create("ann@example.com", "ANN@EXAMPLE.COM", state, Created);
}
