namespace KeyPortal.Core.Tests.Support;

public static class DomainAssert
{
    /// <summary>Asserts that <paramref name="action"/> is refused by the rule with <paramref name="code"/>.</summary>
    public static async Task<DomainError> RefusedAsync(string code, Func<Task> action)
    {
        var exception = await Assert.ThrowsAsync<DomainException>(action);
        Assert.Equal(code, exception.Error.Code);
        return exception.Error;
    }

    public static DomainError Refused(string code, Action action)
    {
        var exception = Assert.Throws<DomainException>(action);
        Assert.Equal(code, exception.Error.Code);
        return exception.Error;
    }
}
