using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.ScaleOut;

/// <summary>
/// Two identity providers over one PostgreSQL behave as one: a sign-in started on one instance
/// finishes on the other, a refresh token rotated on one is refused by the other, the per-account
/// sign-in limit counts both together, a killed instance costs only its in-flight requests, and a
/// database restart gives clean 503s and then service again without restarting anything.
/// </summary>
[Collection(ScaleOutCollection.Collection)]
public sealed partial class TwoInstancesTests(ScaleOutApps apps)
{
    private const string Password = "Scale-Password-2026";
    private const string PortalRedirect = "http://localhost:5106/signin-oidc";
    private const string PortalSecret = "portal-development-secret";

    private static readonly Uri A = new($"http://localhost:{ScaleOutApps.IdPInstancePorts[0]}/");
    private static readonly Uri B = new($"http://localhost:{ScaleOutApps.IdPInstancePorts[1]}/");

    [Fact]
    public async Task The_proxy_alternates_between_the_instances_and_gives_them_the_clients_address()
    {
        using var http = new HttpClient();
        var served = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(apps.IdP, "health/live"));
            // A client's own claim to an address is not believed: nginx appends the real peer, the apps take the last entry.
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            served.Add(response.Headers.GetValues("X-Upstream").Single());
        }

        Assert.Equal(
            [.. ScaleOutApps.IdPInstancePorts.Select(p => $"127.0.0.1:{p}")],
            served.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

        // A wrong password through the proxy with a made-up X-Forwarded-For: the audit trail has the real peer.
        var email = await PersonAsync();
        using var browser = new Browser();
        var form = await browser.GetStringAsync(apps.IdP, "/signin/password?ReturnUrl=%2F");
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(apps.IdP, "/signin/password"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = email, ["Password"] = "wrong-password", ["ReturnUrl"] = "/", ["__RequestVerificationToken"] = AntiforgeryToken(form),
            }),
        };
        post.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using (var refused = await browser.SendAsync(post))
        {
            Assert.NotEqual(HttpStatusCode.Redirect, refused.StatusCode);
        }

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        var failed = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.TargetUserId == userId && a.Action == Core.Auditing.AuditActions.SignInFailed);
        Assert.Equal("127.0.0.1", failed.ClientAddress);
    }

    [Fact]
    public async Task A_sign_in_started_on_one_instance_finishes_on_the_other_and_a_rotated_refresh_token_is_refused_by_both()
    {
        var email = await PersonAsync();
        using var browser = new Browser();
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var authorize = AuthorizeUrl(Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));

        using (var first = await browser.GetAsync(A, authorize))
        {
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        }

        // The form (and its anti-forgery cookie) from B, posted to A; A's session cookie then read by B.
        var form = await browser.GetStringAsync(B, $"/signin/password?ReturnUrl={Uri.EscapeDataString(authorize)}");
        using (var signedIn = await browser.PostAsync(A, "/signin/password", new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = Password, ["ReturnUrl"] = authorize, ["__RequestVerificationToken"] = AntiforgeryToken(form),
        }))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        string code;
        using (var second = await browser.GetAsync(B, authorize))
        {
            Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
            Assert.StartsWith(PortalRedirect, second.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
            code = QueryHelpers.ParseQuery(second.Headers.Location.Query)["code"].ToString();
        }

        // The code B issued is redeemed at A; the refresh token A issued is rotated at B.
        var (status, tokens) = await TokenAsync(A, new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = PortalRedirect, ["code_verifier"] = verifier,
            ["client_id"] = "portal", ["client_secret"] = PortalSecret,
        });
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        var refresh = tokens.GetProperty("refresh_token").GetString()!;
        var (rotated, newTokens) = await TokenAsync(B, Refresh(refresh));
        Assert.True(rotated == HttpStatusCode.OK, newTokens.ToString());

        var (reusedAtA, refusal) = await TokenAsync(A, Refresh(refresh));
        Assert.Equal(HttpStatusCode.BadRequest, reusedAtA);
        Assert.Equal("invalid_grant", refusal.GetProperty("error").GetString());
        // Reuse revokes the whole chain, on every instance: the new refresh token is dead at B too.
        var (newAtB, _) = await TokenAsync(B, Refresh(newTokens.GetProperty("refresh_token").GetString()!));
        Assert.Equal(HttpStatusCode.BadRequest, newAtB);
    }

    [Fact]
    public async Task A_portal_sign_in_started_on_one_portal_instance_finishes_on_the_other_and_its_cookie_works_on_both()
    {
        var email = await PersonAsync();
        using var browser = new Browser();
        var portalA = new Uri($"http://localhost:{ScaleOutApps.PortalInstancePorts[0]}/");
        var portalB = new Uri($"http://localhost:{ScaleOutApps.PortalInstancePorts[1]}/");

        // Portal A starts the sign-in (its correlation and nonce cookies), the IdP is reached through the proxy.
        string authorize;
        using (var start = await browser.GetAsync(portalA, "/"))
        {
            Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
            authorize = start.Headers.Location!.PathAndQuery;
            Assert.StartsWith("/connect/authorize", authorize, StringComparison.Ordinal);
        }

        var form = await browser.GetStringAsync(apps.IdP, $"/signin/password?ReturnUrl={Uri.EscapeDataString(authorize)}");
        using (var signedIn = await browser.PostAsync(apps.IdP, "/signin/password", new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = Password, ["ReturnUrl"] = authorize, ["__RequestVerificationToken"] = AntiforgeryToken(form),
        }))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        string callback;
        using (var code = await browser.GetAsync(apps.IdP, authorize))
        {
            Assert.Equal(HttpStatusCode.Redirect, code.StatusCode);
            callback = code.Headers.Location!.PathAndQuery;
            Assert.StartsWith("/signin-oidc", callback, StringComparison.Ordinal);
        }

        // Portal B takes the answer to A's request, redeems the code and signs the person in.
        using (var finished = await browser.GetAsync(portalB, callback))
        {
            Assert.True(finished.StatusCode == HttpStatusCode.Redirect, $"{finished.StatusCode}: {await finished.Content.ReadAsStringAsync()}");
        }

        // B's session cookie is A's too.
        foreach (var portal in new[] { portalA, portalB })
        {
            using var home = await browser.GetAsync(portal, "/");
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
            Assert.Contains(email, await home.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task The_per_account_sign_in_limit_counts_the_attempts_on_both_instances_together()
    {
        var email = await PersonAsync();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await SignInAsync(i % 2 == 0 ? A : B, email, "wrong-password"));
        }

        // Ten wrong passwords, five on each instance: the limit (10 per 5 minutes) is spent for the account.
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, answers);
        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInAsync(A, email, Password));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInAsync(B, email, Password));
    }

    [Fact]
    public async Task The_three_tries_of_a_one_time_code_count_over_both_instances_and_the_emails_cross_processes()
    {
        var email = $"invitee-{Guid.NewGuid():N}@contoso.example";
        await InviteAsync(email);

        var link = (await apps.Mailbox.NextAsync(email, "")).Link(apps.IdP.AbsoluteUri).AbsolutePath;
        using var browser = new Browser();
        // The link opened through the proxy, as from the email; the code requested from B.
        using (var sent = await browser.PostAsync(B, $"{link}?handler=SendCode", await FormAsync(browser, apps.IdP, link, [])))
        {
            Assert.True(sent.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"code request: {sent.StatusCode}");
        }

        var code = (await apps.Mailbox.NextAsync(email, "code")).Code();
        var wrong = code == "000000" ? "111111" : "000000";
        var answers = new List<HttpStatusCode>();
        foreach (var instance in new[] { A, B, A })
        {
            using var tried = await browser.PostAsync(instance, $"{link}?handler=Code", await FormAsync(browser, instance, link, new() { ["Code"] = wrong }));
            answers.Add(tried.StatusCode);
        }

        // The third wrong code (on A) locked the link; the right code on B is refused.
        // A locked link's page has no form: the token comes from another page of B, as a browser could get it.
        using var right = await browser.PostAsync(B, $"{link}?handler=Code", await FormAsync(browser, B, "/signin/password?ReturnUrl=%2F", new() { ["Code"] = code }));
        var page = await right.Content.ReadAsStringAsync();
        Assert.True(right.StatusCode == HttpStatusCode.Conflict, $"{right.StatusCode} after {string.Join(", ", answers)}");
        Assert.Contains("Too many wrong codes", page, StringComparison.Ordinal);
        await using var check = apps.CoreServices();
        var checkDb = check.ServiceProvider.GetRequiredService<PortalDbContext>();
        var userId = await checkDb.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        var invitation = await checkDb.Invitations.AsNoTracking().SingleAsync(i => i.UserId == userId);
        Assert.Equal(3, invitation.FailedAttempts);
        Assert.Null(invitation.CodeVerifiedAt);
        // The proxy wrote the link token nowhere.
        var token = link.Split('/')[^1];
        Assert.True(token.Length >= 20, link);
        Assert.False(apps.ProxyFilesContain(token), "the proxy's files hold the link token");
    }

    [Fact]
    public async Task Killing_one_instance_during_a_token_load_costs_only_its_in_flight_requests_and_restarting_the_database_gives_clean_503s_then_service()
    {
        // One test, because both take an instance or the database away from the others.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var people = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            people.Add(await PersonAsync());
        }

        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<(DateTime At, HttpStatusCode? Status)>();
        var signIns = new System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode?>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                outcomes.Enqueue((DateTime.UtcNow, await ClientTokenAsync(http)));
            }
        })).Append(Task.Run(async () =>
        {
            // Sign-ins alongside (a session and its audit entry in one transaction), a few per person: under the per-account limit.
            for (var i = 0; !stop.IsCancellationRequested && i < people.Count * 5; i++)
            {
                signIns.Enqueue(await SignInOrNoAnswerAsync(people[i % people.Count]));
            }
        })).ToArray();

        await Eventually.HoldsAsync(() => outcomes.Count(o => o.Status == HttpStatusCode.OK) >= 50 && signIns.Count >= 2, "the load runs", TimeSpan.FromSeconds(30));
        var killedAt = DateTime.UtcNow;
        await apps.KillAsync(ScaleOutApps.IdPInstancePorts[0]);
        var afterKill = outcomes.Count;
        var signInsBeforeKill = signIns.Count;
        await Eventually.HoldsAsync(() => outcomes.Skip(afterKill).Count(o => o.Status == HttpStatusCode.OK) >= 200 && signIns.Count >= signInsBeforeKill + 3,
            "the other instance serves the load", TimeSpan.FromSeconds(30));
        stop.Cancel();
        await Task.WhenAll(load);

        var failed = outcomes.Where(o => o.Status != HttpStatusCode.OK).ToList();
        // At most the requests in flight when the process died fail (four tokens, one sign-in); every later one is served.
        Assert.True(failed.Count <= 4, $"{failed.Count} requests failed: {string.Join(", ", failed.Select(f => f.Status?.ToString() ?? "no answer"))}");
        Assert.All(failed, f => Assert.True(f.At >= killedAt.AddSeconds(-1), "a request failed before the kill"));
        Assert.True(signIns.Count(s => s != HttpStatusCode.Redirect) <= 1, $"sign-ins: {string.Join(", ", signIns)}");
        Assert.True(signIns.Count(s => s == HttpStatusCode.Redirect) >= 4, $"sign-ins: {string.Join(", ", signIns)}");
        await NothingHalfWrittenAsync(people, signIns.Count(s => s == HttpStatusCode.Redirect));
        await apps.StartInstanceAsync("IdP", ScaleOutApps.IdPInstancePorts[0]);

        // The database goes away: pages that need it answer 503 problems, readiness says unhealthy.
        var email = await PersonAsync();
        var auditBefore = await AuditEntryIdsAsync();
        await apps.StopPostgresAsync();
        using (var ready = await http.GetAsync(new Uri(B, "health/ready")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        var down = await SignInResponseAsync(B, email, Password);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Contains("database.unavailable", down.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", down.Body, StringComparison.Ordinal);

        // It comes back: both instances serve again, never restarted.
        await apps.StartPostgresAsync();
        foreach (var instance in new[] { A, B })
        {
            await Eventually.HoldsAsync(async () => await SignInAsync(instance, email, Password) == HttpStatusCode.Redirect,
                $"{instance} signs people in again", TimeSpan.FromSeconds(60));
        }

        // Nothing committed was lost: the audit trail holds every entry it had, and the new sign-ins.
        var auditAfter = await AuditEntryIdsAsync();
        Assert.Empty(auditBefore.Except(auditAfter));
        Assert.True(auditAfter.Count > auditBefore.Count);
    }

    [Fact]
    public async Task A_backup_restored_into_a_new_database_holds_every_row_and_replaces_one_only_when_named_and_whole()
    {
        await PersonAsync();
        var archive = Path.Combine(Path.GetTempPath(), $"keyportal-backup-{Guid.NewGuid():N}.dump");
        var truncated = archive + ".truncated";
        // Unpooled: a replace drops the database under every connection to it.
        var restored = new Npgsql.NpgsqlConnectionStringBuilder(apps.ConnectionString) { Database = "keyportal_restored", Pooling = false }.ConnectionString;
        try
        {
            // The connection strings, password and all, reach the scripts through the environment only.
            await apps.RunScriptAsync("deploy/backup.sh", Database(apps.ConnectionString), archive);
            await apps.RunScriptAsync("deploy/restore.sh", Database(restored), archive);

            var before = await CountsAsync(apps.ConnectionString);
            var after = await CountsAsync(restored);
            Assert.Equal(before, after);
            Assert.True(after["users"] > 0 && after["data_protection_keys"] > 0, string.Join(", ", after));

            // Over the now populated database: refused without --replace, and with another database's name.
            await Assert.ThrowsAsync<InvalidOperationException>(() => apps.RunScriptAsync("deploy/restore.sh", Database(restored), archive));
            await Assert.ThrowsAsync<InvalidOperationException>(() => apps.RunScriptAsync("deploy/restore.sh", Database(restored), archive, "--replace", "keyportal"));

            // An archive that breaks off in its data leaves the database as it was, open again, and nothing beside it.
            var bytes = await File.ReadAllBytesAsync(archive);
            await File.WriteAllBytesAsync(truncated, bytes[..^16]);
            var broken = await Assert.ThrowsAsync<InvalidOperationException>(() => apps.RunScriptAsync("deploy/restore.sh", Database(restored), truncated, "--replace", "keyportal_restored"));
            Assert.True(broken.Message.Contains("pg_restore failed", StringComparison.Ordinal)
                && broken.Message.Contains("keyportal_restored is as it was.", StringComparison.Ordinal), broken.Message);
            Assert.Equal(after, await CountsAsync(restored));
            Assert.Equal(["keyportal", "keyportal_restored", "postgres"], await DatabasesAsync());

            // A database another replace left aside stops this one before it changes anything.
            await ExecuteAsync("CREATE DATABASE restore_aside_left_over");
            var left = await Assert.ThrowsAsync<InvalidOperationException>(() => apps.RunScriptAsync("deploy/restore.sh", Database(restored), archive, "--replace", "keyportal_restored"));
            Assert.Contains("restore_aside_left_over waits aside. Nothing was changed.", left.Message, StringComparison.Ordinal);
            await ExecuteAsync("DROP DATABASE restore_aside_left_over");
            Assert.Equal(after, await CountsAsync(restored));

            // Named, it replaces the database with a newer backup.
            await PersonAsync();
            await apps.RunScriptAsync("deploy/backup.sh", Database(apps.ConnectionString), archive);
            await apps.RunScriptAsync("deploy/restore.sh", Database(restored), archive, "--replace", "keyportal_restored");
            var replaced = await CountsAsync(restored);
            Assert.Equal(after["users"] + 1, replaced["users"]);
            Assert.Equal(["keyportal", "keyportal_restored", "postgres"], await DatabasesAsync());

            // Without the variable, nothing runs.
            await Assert.ThrowsAsync<InvalidOperationException>(() => apps.RunScriptAsync("deploy/backup.sh", Database(""), archive));
        }
        finally
        {
            File.Delete(archive);
            File.Delete(truncated);
        }
    }

    private async Task ExecuteAsync(string statement)
    {
        await using var connection = new Npgsql.NpgsqlConnection(apps.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(statement, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> DatabasesAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(apps.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static Dictionary<string, string> Database(string connectionString) => new() { ["Database__ConnectionString"] = connectionString };

    private static async Task<Dictionary<string, long>> CountsAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in new[] { "users", "memberships", "organizations", "audit_entries", "invitations", "mail_outbox", "data_protection_keys", "OpenIddictTokens" })
        {
            await using var command = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM \"{table}\"", connection);
            counts[table] = (long)(await command.ExecuteScalarAsync())!;
        }

        return counts;
    }

    /// <summary>
    /// Whatever a killed instance committed is whole: every session started has its audit entry,
    /// and no entry names a session that is not there. Each answered sign-in has its session; one
    /// without an answer is at most the one in flight. (A client's access token writes no row at
    /// all: ClientTokens.)
    /// </summary>
    private async Task NothingHalfWrittenAsync(List<string> people, int signInsAnswered)
    {
        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var userIds = await db.Users.Where(u => people.Contains(u.Email!)).Select(u => u.Id).ToListAsync();
        var sessions = await db.UserSessions.Where(s => userIds.Contains(s.UserId)).Select(s => s.Id).ToListAsync();
        var audited = (await db.AuditEntries.Where(a => a.TargetUserId != null && userIds.Contains(a.TargetUserId.Value) && a.Action == Core.Auditing.AuditActions.SignInSucceeded)
                .Select(a => a.Details).ToListAsync())
            .Select(d => JsonSerializer.Deserialize<JsonElement>(d).GetProperty("session").GetGuid())
            .ToList();
        Assert.Equal(sessions.Order(), audited.Order());
        Assert.InRange(sessions.Count, signInsAnswered, signInsAnswered + 1);
    }

    private async Task<HttpStatusCode?> SignInOrNoAnswerAsync(string email)
    {
        try
        {
            return await SignInAsync(apps.IdP, email, Password);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private async Task<string> PersonAsync()
    {
        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var contoso = await db.Organizations.Where(o => o.Slug == "contoso").Select(o => o.Id).SingleAsync();
        var email = $"scale-{Guid.NewGuid():N}@contoso.example";
        await Members.In(scope.ServiceProvider).AddAsync(contoso, MemberRoles.Admin, UserState.Active, email, Password);
        return email;
    }

    private async Task<HashSet<long>> AuditEntryIdsAsync()
    {
        await using var scope = apps.CoreServices();
        return [.. await scope.ServiceProvider.GetRequiredService<PortalDbContext>().AuditEntries.Select(a => a.Id).ToListAsync()];
    }

    private static async Task<HttpStatusCode> SignInAsync(Uri instance, string email, string password) =>
        (await SignInResponseAsync(instance, email, password)).Status;

    private static async Task<(HttpStatusCode Status, string Body)> SignInResponseAsync(Uri instance, string email, string password)
    {
        using var browser = new Browser();
        var form = await browser.GetStringAsync(instance, "/signin/password?ReturnUrl=%2F");
        using var response = await browser.PostAsync(instance, "/signin/password", new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["ReturnUrl"] = "/", ["__RequestVerificationToken"] = AntiforgeryToken(form),
        });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpStatusCode?> ClientTokenAsync(HttpClient http)
    {
        try
        {
            using var content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = "demo-client", ["client_secret"] = "demo-secret", ["scope"] = "api",
            });
            using var response = await http.PostAsync(new Uri(apps.IdP, "connect/token"), content);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Uri instance, Dictionary<string, string> form)
    {
        using var http = new HttpClient();
        using var content = new FormUrlEncodedContent(form);
        using var response = await http.PostAsync(new Uri(instance, "connect/token"), content);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }

    private static Dictionary<string, string> Refresh(string token) => new()
    {
        ["grant_type"] = "refresh_token", ["refresh_token"] = token, ["client_id"] = "portal", ["client_secret"] = PortalSecret,
    };

    private static string AuthorizeUrl(string challenge) => QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
    {
        ["client_id"] = "portal", ["redirect_uri"] = PortalRedirect, ["response_type"] = "code", ["scope"] = "openid email profile offline_access",
        ["state"] = "state-1", ["nonce"] = "nonce-1", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
    });

    /// <summary>The page's form from <paramref name="instance"/> (its anti-forgery token) with <paramref name="fields"/>.</summary>
    private static async Task<Dictionary<string, string>> FormAsync(Browser browser, Uri instance, string path, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = AntiforgeryToken(await browser.GetStringAsync(instance, path));
        return fields;
    }

    private static string AntiforgeryToken(string html) => HtmlForms.AntiforgeryToken(html);

    private static string Base64Url(byte[] bytes) => HtmlForms.Base64Url(bytes);

    /// <summary>One browser's cookies (for <c>localhost</c>, whatever the port), no automatic redirects.</summary>
    private sealed partial class Browser : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true });

        public Task<HttpResponseMessage> GetAsync(Uri instance, string path) => _http.GetAsync(new Uri(instance, path));

        public Task<string> GetStringAsync(Uri instance, string path) => _http.GetStringAsync(new Uri(instance, path));

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

        public async Task<HttpResponseMessage> PostAsync(Uri instance, string path, Dictionary<string, string> form)
        {
            using var content = new FormUrlEncodedContent(form);
            return await _http.PostAsync(new Uri(instance, path), content);
        }

        public void Dispose() => _http.Dispose();
    }
}
