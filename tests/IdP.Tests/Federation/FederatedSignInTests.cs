using KeyPortal.Core.Sessions;
using KeyPortal.IdP.Federation;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Federation;

/// <summary>Federated sign-in ends in the same session start as passkey and password sign-in.</summary>
public sealed class FederatedSignInTests(IdpFactory factory) : IClassFixture<IdpFactory>
{
    [Fact]
    public async Task A_member_signed_in_by_their_organization_gets_the_same_session_as_any_sign_in()
    {
        var (http, started) = await StartAsync("auditor@contoso.example");

        Assert.True(started);
        Assert.Contains(http.Response.Headers.SetCookie, c => c!.StartsWith("KeyPortal.IdP=", StringComparison.Ordinal));
        await using var db = factory.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == "auditor@contoso.example").Select(u => u.Id).SingleAsync();
        var session = await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == userId);
        Assert.Equal(AuthenticationMethods.MultiFactor, session.AuthenticationMethods);
        Assert.Null(session.EndedAt);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == session.UserId && a.Action == "signin.succeeded"));
    }

    [Fact]
    public async Task A_suspended_account_gets_no_session()
    {
        var (http, started) = await StartAsync("suspended@contoso.example");

        Assert.False(started);
        Assert.Equal(0, http.Response.Headers.SetCookie.Count);
        await using var db = factory.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == "suspended@contoso.example").Select(u => u.Id).SingleAsync();
        Assert.False(await db.UserSessions.AnyAsync(s => s.UserId == userId));
    }

    private async Task<(HttpContext Http, bool Started)> StartAsync(string email)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        await using var db = factory.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var started = await scope.ServiceProvider.GetRequiredService<FederatedSignIn>().StartSessionAsync(http, user, [AuthenticationMethods.MultiFactor]);
        return (http, started);
    }
}
