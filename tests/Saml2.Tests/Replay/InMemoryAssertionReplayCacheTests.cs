using KeyPortal.Saml2.Tests.Support;

namespace KeyPortal.Saml2.Tests.Replay;

public sealed class InMemoryAssertionReplayCacheTests
{
    [Fact]
    public async Task RemembersAnAssertionOnce()
    {
        var clock = TestResponses.Clock();
        var cache = new InMemoryAssertionReplayCache(clock);
        var keepUntil = clock.GetUtcNow().AddMinutes(7);

        Assert.True(await cache.TryRememberAsync("https://idp.example.org", "_a1", keepUntil, CancellationToken.None));
        Assert.False(await cache.TryRememberAsync("https://idp.example.org", "_a1", keepUntil, CancellationToken.None));
    }

    [Fact]
    public async Task SameIdFromAnotherIssuer_IsAnotherAssertion()
    {
        var clock = TestResponses.Clock();
        var cache = new InMemoryAssertionReplayCache(clock);
        var keepUntil = clock.GetUtcNow().AddMinutes(7);

        Assert.True(await cache.TryRememberAsync("https://idp.example.org", "_a1", keepUntil, CancellationToken.None));
        Assert.True(await cache.TryRememberAsync("https://other-idp.example.net", "_a1", keepUntil, CancellationToken.None));
    }

    [Fact]
    public async Task ForgetsAnAssertionOnceItCouldNoLongerBeAccepted()
    {
        var clock = TestResponses.Clock();
        var cache = new InMemoryAssertionReplayCache(clock);
        var keepUntil = clock.GetUtcNow().AddMinutes(7);
        Assert.True(await cache.TryRememberAsync("https://idp.example.org", "_a1", keepUntil, CancellationToken.None));

        clock.Advance(TimeSpan.FromMinutes(7));

        Assert.True(await cache.TryRememberAsync("https://idp.example.org", "_a1", keepUntil.AddMinutes(7), CancellationToken.None));
    }

    [Fact]
    public async Task ValidatedAssertion_ReplayedWithinItsWindow_IsCaught()
    {
        var clock = TestResponses.Clock();
        var cache = new InMemoryAssertionReplayCache(clock);
        var parameters = TestResponses.Parameters(clock);
        var encoded = new SamlResponseBuilder().BuildEncoded();

        async Task<bool> SignInAsync()
        {
            var assertion = TestResponses.AssertAccepted(ResponseValidator.Validate(encoded, parameters));
            return await cache.TryRememberAsync(assertion.Issuer, assertion.AssertionId, assertion.KeepInReplayCacheUntil(parameters.ClockSkew), CancellationToken.None);
        }

        Assert.True(await SignInAsync());
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.False(await SignInAsync());
    }
}
