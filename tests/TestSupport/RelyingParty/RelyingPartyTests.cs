using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace KeyPortal.TestSupport.RelyingParty;

/// <summary>
/// What Portal and Admin must both do as relying parties of the IdP: the authorization request,
/// sign-in, the per-request session check, the refusal page and sign-out. Each app runs it by a
/// subclass that says whom it admits.
/// </summary>
public abstract partial class RelyingPartyTests<TProgram>(RelyingPartyAppFactory<TProgram> factory)
    where TProgram : class
{
    protected RelyingPartyAppFactory<TProgram> Factory { get; } = factory;

    protected SignedInUsers Users => new(Factory.Services);

    protected Members Members => Members.In(Factory.Services);

    protected abstract string ClientId { get; }

    /// <summary>The app's public URL (PublicUrls default), under which its redirect URIs are registered.</summary>
    protected abstract Uri AppUrl { get; }

    protected abstract string CookieName { get; }

    /// <summary>Text the signed-in home page shows.</summary>
    protected abstract string HomeHeading { get; }

    /// <summary>A user this app admits while in an active state; created in <paramref name="state"/>.</summary>
    protected abstract Task<User> CreateAdmittedUserAsync(UserState state = UserState.Active);

    /// <summary>An active user with a live IdP session whom this app does not admit.</summary>
    protected abstract Task<User> CreateRefusedUserAsync();

    [Fact]
    public async Task Protected_page_redirects_to_the_IdP_with_code_flow_and_PKCE_S256()
    {
        using var browser = Factory.CreateBrowser();
        using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal("http://localhost:5000/connect/authorize", location.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        // base64url of a SHA-256 digest.
        Assert.Matches("^[A-Za-z0-9_-]{43}$", query["code_challenge"].ToString());
        Assert.Equal(ClientId, query["client_id"]);
        Assert.Equal(new Uri(AppUrl, "signin-oidc").AbsoluteUri, query["redirect_uri"]);
        var scopes = query["scope"].ToString().Split(' ');
        Assert.Contains("openid", scopes);
        Assert.Contains("email", scopes);
        Assert.Contains("profile", scopes);
        Assert.False(string.IsNullOrEmpty(query["state"]));
        Assert.False(string.IsNullOrEmpty(query["nonce"]));
        // The access token never travels through the browser.
        Assert.False(query.ContainsKey("response_mode") && query["response_mode"] != "query");
    }

    [Fact]
    public async Task Landing_page_is_public_and_offers_sign_in()
    {
        using var browser = Factory.CreateBrowser();
        using var response = await browser.GetAsync(new Uri(RelyingPartyPaths.Landing, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(HomeHeading, html, StringComparison.Ordinal);
        Assert.Contains("href=\"/signin\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign out", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_link_starts_an_authorization_request_and_keeps_only_local_return_urls()
    {
        using var browser = Factory.CreateBrowser();
        using var response = await browser.GetAsync(new Uri("/signin?returnUrl=https%3A%2F%2Fevil.example%2F", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost:5000/connect/authorize?", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.False(RelyingPartyAuthentication.IsLocalPath("https://evil.example/"));
        Assert.False(RelyingPartyAuthentication.IsLocalPath("//evil.example/"));
        Assert.False(RelyingPartyAuthentication.IsLocalPath("/\\evil.example/"));
        Assert.False(RelyingPartyAuthentication.IsLocalPath("/\t/evil.example/"));
        Assert.False(RelyingPartyAuthentication.IsLocalPath("/\n/evil.example/"));
        Assert.False(RelyingPartyAuthentication.IsLocalPath(""));
        Assert.True(RelyingPartyAuthentication.IsLocalPath("/users?page=2"));
    }

    [Fact]
    public async Task Admitted_user_signs_in_with_an_HttpOnly_Lax_cookie_and_sees_the_home_page()
    {
        var user = await CreateAdmittedUserAsync();
        var session = await Users.StartSessionAsync(user);
        using var browser = Factory.CreateBrowser();

        using var callback = await Factory.SignInAsync(browser, SignedInUsers.ClaimsOf(user, session));

        Assert.Equal("", Factory.IdentityProvider.LastTokenError);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/", callback.Headers.Location!.OriginalString);
        var cookie = SessionCookie(callback);
        Assert.NotNull(cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        using var home = await browser.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var html = await home.Content.ReadAsStringAsync();
        Assert.Contains(HomeHeading, html, StringComparison.Ordinal);
        Assert.Contains($"Signed in as <strong data-testid=\"home-email\">{user.Email}</strong>", html, StringComparison.Ordinal);
        Assert.Contains("Sign out", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_user_gets_the_403_page_and_no_session_instead_of_a_loop()
    {
        var user = await CreateRefusedUserAsync();
        var session = await Users.StartSessionAsync(user);
        using var browser = Factory.CreateBrowser();

        using var callback = await Factory.SignInAsync(browser, SignedInUsers.ClaimsOf(user, session));

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(RelyingPartyPaths.AccessDenied, callback.Headers.Location!.OriginalString);
        Assert.Null(SessionCookie(callback));
        using var page = await browser.GetAsync(new Uri(RelyingPartyPaths.AccessDenied, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("No access", html, StringComparison.Ordinal);
        Assert.Contains("action=\"/signout\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/signin\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/signout-oidc")]
    [InlineData("/signout-oidc?sid=not-this-session")]
    public async Task A_front_channel_sign_out_link_without_this_sessions_sid_signs_nobody_out(string path)
    {
        var (browser, _, _) = await SignedInAsync();
        using (browser)
        {
            // What an <img src> on another site would do.
            using var forged = await browser.GetAsync(new Uri(path, UriKind.Relative));
            Assert.DoesNotContain(forged.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [],
                c => c.StartsWith(CookieName + "=;", StringComparison.Ordinal) || c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));

            using var home = await browser.GetAsync(new Uri("/", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        }
    }

    [Fact]
    public async Task Ending_the_session_at_the_IdP_ends_it_here_on_the_next_request()
    {
        var (browser, _, session) = await SignedInAsync();
        using (browser)
        {
            await Users.EndSessionAsync(session);

            using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));

            AssertSignedOutAndSentToTheIdP(response);
        }
    }

    [Fact]
    public async Task A_credential_change_elsewhere_ends_the_session_here_on_the_next_request()
    {
        var (browser, user, _) = await SignedInAsync();
        using (browser)
        {
            // What a password change, TOTP or passkey change at the IdP does to the account.
            await using (var scope = Factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                var account = await db.Users.SingleAsync(u => u.Id == user.Id);
                account.RotateSecurityStamp();
                await db.SaveChangesAsync();
            }

            using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));

            AssertSignedOutAndSentToTheIdP(response);
        }
    }

    [Theory]
    [InlineData(UserState.Suspended)]
    [InlineData(UserState.Reset)]
    public async Task Suspension_or_reset_ends_the_session_here_on_the_next_request(UserState state)
    {
        var (browser, user, _) = await SignedInAsync();
        using (browser)
        {
            await Users.TransitionAsync(user, state);

            using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));

            AssertSignedOutAndSentToTheIdP(response);
        }
    }

    [Fact]
    public async Task Sign_out_without_the_anti_forgery_token_is_refused()
    {
        var (browser, _, _) = await SignedInAsync();
        using (browser)
        {
            using var refused = await browser.PostAsync(new Uri("/signout", UriKind.Relative), new FormUrlEncodedContent([]));

            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            using var home = await browser.GetAsync(new Uri("/", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        }
    }

    [Fact]
    public async Task Sign_out_deletes_the_cookie_and_sends_the_browser_to_the_IdP_end_session_endpoint()
    {
        var (browser, _, _) = await SignedInAsync();
        using (browser)
        {
            var token = await AntiforgeryTokenAsync(browser, "/");

            using var response = await browser.PostAsync(
                new Uri("/signout", UriKind.Relative),
                new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var location = response.Headers.Location!;
            Assert.Equal("http://localhost:5000/connect/endsession", location.GetLeftPart(UriPartial.Path));
            var query = QueryHelpers.ParseQuery(location.Query);
            Assert.False(string.IsNullOrEmpty(query["id_token_hint"]));
            Assert.Equal(new Uri(AppUrl, "signout-callback-oidc").AbsoluteUri, query["post_logout_redirect_uri"]);
            Assert.Equal(ClientId, query["client_id"]);
            Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(CookieName + "=;", StringComparison.Ordinal));

            using var home = await browser.GetAsync(new Uri("/", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        }
    }

    [Theory]
    [InlineData(UserState.Active, SessionRejection.None)]
    [InlineData(UserState.ActiveDemo, SessionRejection.None)]
    [InlineData(UserState.Pending, SessionRejection.UserNotActive)]
    [InlineData(UserState.Reset, SessionRejection.UserNotActive)]
    [InlineData(UserState.Suspended, SessionRejection.UserNotActive)]
    [InlineData(UserState.Deactivated, SessionRejection.UserNotActive)]
    public async Task Session_check_admits_only_active_users(UserState state, SessionRejection expected)
    {
        var user = await CreateAdmittedUserAsync(state);
        var session = await Users.StartSessionAsync(user);

        Assert.Equal(expected, await ValidateAsync(Principal(user.Id, session.Id)));
    }

    [Fact]
    public async Task Session_check_refuses_an_ended_session()
    {
        var user = await CreateAdmittedUserAsync();
        var session = await Users.StartSessionAsync(user);
        await Users.EndSessionAsync(session);

        Assert.Equal(SessionRejection.SessionEnded, await ValidateAsync(Principal(user.Id, session.Id)));
    }

    [Fact]
    public async Task Session_check_refuses_a_session_past_its_absolute_expiry_however_active()
    {
        var user = await CreateAdmittedUserAsync();
        var session = await Users.StartSessionAsync(user, lifetime: TimeSpan.FromHours(1));
        var clock = new FakeTimeProvider(session.CreatedAt);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(SessionRejection.None, await ValidateAsync(Principal(user.Id, session.Id), clock));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(SessionRejection.SessionEnded, await ValidateAsync(Principal(user.Id, session.Id), clock));
    }

    [Fact]
    public async Task Session_check_refuses_another_users_session_an_unknown_session_and_an_unknown_user()
    {
        var user = await CreateAdmittedUserAsync();
        var other = await CreateAdmittedUserAsync();
        var othersSession = await Users.StartSessionAsync(other);

        Assert.Equal(SessionRejection.SessionEnded, await ValidateAsync(Principal(user.Id, othersSession.Id)));
        Assert.Equal(SessionRejection.SessionEnded, await ValidateAsync(Principal(user.Id, Guid.NewGuid())));
        Assert.Equal(SessionRejection.UnknownUser, await ValidateAsync(Principal(Guid.NewGuid(), othersSession.Id)));
    }

    [Fact]
    public async Task Session_check_refuses_principals_without_subject_or_session_id()
    {
        Assert.Equal(SessionRejection.MissingClaims, await ValidateAsync(new ClaimsPrincipal(new ClaimsIdentity("test"))));
        Assert.Equal(SessionRejection.MissingClaims, await ValidateAsync(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", Guid.NewGuid().ToString()), new Claim("sid", "not-a-guid")], "test"))));
        Assert.Equal(SessionRejection.MissingClaims, await ValidateAsync(null));
    }

    [Fact]
    public async Task Session_check_applies_the_apps_admission_rule()
    {
        var user = await CreateRefusedUserAsync();
        var session = await Users.StartSessionAsync(user);

        Assert.Equal(SessionRejection.NotAdmitted, await ValidateAsync(Principal(user.Id, session.Id)));
    }

    [Fact]
    public async Task Validate_principal_rejects_and_deletes_the_cookie_or_keeps_a_good_session()
    {
        var user = await CreateAdmittedUserAsync();
        var session = await Users.StartSessionAsync(user);

        var kept = await ValidatePrincipalAsync(Principal(user.Id, session.Id));
        Assert.NotNull(kept.Context.Principal);
        Assert.False(kept.Context.ShouldRenew);
        Assert.Empty(kept.SetCookies);

        await Users.EndSessionAsync(session);
        var rejected = await ValidatePrincipalAsync(Principal(user.Id, session.Id));
        Assert.Null(rejected.Context.Principal);
        Assert.Contains(rejected.SetCookies, c => c.StartsWith(CookieName + "=;", StringComparison.Ordinal));
    }

    protected async Task<(HttpClient Browser, User User, UserSession Session)> SignedInAsync()
    {
        var user = await CreateAdmittedUserAsync();
        var session = await Users.StartSessionAsync(user);
        var browser = Factory.CreateBrowser();
        using var callback = await Factory.SignInAsync(browser, SignedInUsers.ClaimsOf(user, session));
        Assert.NotNull(SessionCookie(callback));
        return (browser, user, session);
    }

    protected static ClaimsPrincipal Principal(Guid userId, Guid sessionId) => new(new ClaimsIdentity(
        [
            new Claim(KeyPortalClaims.Subject, userId.ToString()),
            new Claim(KeyPortalClaims.SessionId, sessionId.ToString()),
        ],
        "test"));

    protected async Task<SessionRejection> ValidateAsync(ClaimsPrincipal? principal, TimeProvider? clock = null)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var validator = new RelyingPartySessionValidator(
            scope.ServiceProvider.GetRequiredService<Core.Persistence.PortalDbContext>(),
            clock ?? TimeProvider.System,
            scope.ServiceProvider.GetRequiredService<AdmissionRule>(),
            NullLogger<RelyingPartySessionValidator>.Instance);
        return await validator.ValidateAsync(principal);
    }

    /// <summary>Runs the cookie's OnValidatePrincipal event as the cookie handler would.</summary>
    protected async Task<(CookieValidatePrincipalContext Context, string[] SetCookies)> ValidatePrincipalAsync(ClaimsPrincipal principal)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var schemes = scope.ServiceProvider.GetRequiredService<IAuthenticationSchemeProvider>();
        var scheme = (await schemes.GetSchemeAsync(RelyingPartyAuthentication.CookieScheme))!;
        var options = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(scheme.Name);
        var context = new CookieValidatePrincipalContext(http, scheme, options, new AuthenticationTicket(principal, scheme.Name));

        await options.Events.ValidatePrincipal(context);

        return (context, http.Response.Headers.SetCookie.Select(c => c ?? "").ToArray());
    }

    private void AssertSignedOutAndSentToTheIdP(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost:5000/connect/authorize?", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(CookieName + "=;", StringComparison.Ordinal));
    }

    private string? SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.FirstOrDefault(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal) && !c.StartsWith(CookieName + "=;", StringComparison.Ordinal))
            : null;

    private static async Task<string> AntiforgeryTokenAsync(HttpClient browser, string path)
    {
        var html = await browser.GetStringAsync(new Uri(path, UriKind.Relative));
        return HtmlForms.AntiforgeryToken(html);
    }
}
