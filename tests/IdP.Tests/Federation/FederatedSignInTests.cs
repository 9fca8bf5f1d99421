using KeyPortal.Core.Users;
using KeyPortal.Core.Sessions;
using KeyPortal.IdP.Federation;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Federation;

/// <summary>Federated sign-in ends in the same session start as passkey and password sign-in.</summary>
[Collection(SharedIdp.Name)]
public sealed class FederatedSignInTests(IdpHost factory)
{
    [Fact]
    public async Task A_member_signed_in_by_their_organization_gets_the_same_session_as_any_sign_in()
    {
        var email = await factory.NewPersonAsync();
        var (http, started) = await StartAsync(email);

        Assert.True(started);
        Assert.Contains(http.Response.Headers.SetCookie, c => c!.StartsWith("KeyPortal.IdP=", StringComparison.Ordinal));
        await using var db = factory.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        var session = await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == userId);
        // Whatever the upstream provider says, the session is federated: never a passkey here.
        Assert.Equal(AuthenticationMethods.Federated, session.AuthenticationMethods);
        Assert.Null(session.EndedAt);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == session.UserId && a.Action == "signin.succeeded"));
    }

    [Fact]
    public async Task A_suspended_account_gets_no_session()
    {
        var email = await factory.NewPersonAsync(state: UserState.Suspended);
        var (http, started) = await StartAsync(email);

        Assert.False(started);
        Assert.Equal(0, http.Response.Headers.SetCookie.Count);
        await using var db = factory.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        Assert.False(await db.UserSessions.AnyAsync(s => s.UserId == userId));
    }

    [Fact]
    public async Task Another_organizations_provider_and_operators_get_no_session()
    {
        var email = await factory.NewPersonAsync("contoso");
        var (_, byAnother) = await StartAsync(email, organization: "northwind");
        Assert.False(byAnother);

        var operatorEmail = await factory.NewPersonAsync("contoso");
        await using (var db = factory.Database.CreateContext())
        {
            await db.Users.Where(u => u.Email == operatorEmail).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsPlatformOperator, true));
        }

        var (_, byOperator) = await StartAsync(operatorEmail);
        Assert.False(byOperator);
        await using var check = factory.Database.CreateContext();
        var ids = await check.Users.Where(u => u.Email == email || u.Email == operatorEmail).Select(u => u.Id).ToListAsync();
        Assert.Equal(2, ids.Count);
        Assert.False(await check.UserSessions.AnyAsync(s => ids.Contains(s.UserId)));
    }

    private async Task<(HttpContext Http, bool Started)> StartAsync(string email, string organization = "contoso")
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        await using var db = factory.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var organizationId = await db.Organizations.Where(o => o.Slug == organization).Select(o => o.Id).SingleAsync();
        var started = await scope.ServiceProvider.GetRequiredService<FederatedSignIn>().StartSessionAsync(http, user, organizationId);
        return (http, started);
    }
}
