using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Admin.Tests.PurchaseOrders;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.ConsolePages;

/// <summary>
/// Users across organizations in the console: the search by email prefix with its paging, a
/// user's profile, and the operators' suspend, lift and reset, each refusal changing nothing.
/// </summary>
[Collection(AdminApp.Collection)]
public sealed partial class UserPagesTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ConsoleDeliveries _console = new(factory);

    [Fact]
    public async Task The_search_finds_accounts_by_the_start_of_their_email_and_pages_by_position()
    {
        var stem = $"zz{Guid.NewGuid():N}"[..14];
        var emails = Enumerable.Range(0, 53).Select(i => $"{stem}.{i:D2}@example.com").ToList();
        foreach (var email in emails)
        {
            await Members.In(factory.Services).AddAsync(null, MemberRoles.Owner, email: email);
        }

        await Members.In(factory.Services).AddAsync(null, MemberRoles.Owner, email: $"x{stem}@example.com");
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var first = await browser.GetStringAsync(new Uri($"/users?email={stem.ToUpperInvariant()}", UriKind.Relative));
            var next = WebUtility.HtmlDecode(NextPagePattern().Match(first).Groups[1].Value);
            var second = await browser.GetStringAsync(new Uri(next, UriKind.Relative));

            Assert.Equal(50, UserRowPattern().Count(first));
            Assert.Equal(3, UserRowPattern().Count(second));
            Assert.Contains(emails[0], first, StringComparison.Ordinal);
            Assert.Contains(emails[49], first, StringComparison.Ordinal);
            Assert.DoesNotContain(emails[50], first, StringComparison.Ordinal);
            Assert.Contains(emails[52], second, StringComparison.Ordinal);
            Assert.DoesNotContain($"x{stem}", first + second, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"next-page\"", second, StringComparison.Ordinal);

            using var bad = await browser.GetAsync(new Uri("/users?after=%%%not-a-cursor", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("id=\"users-error\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_profile_lists_every_membership_the_sessions_and_the_credentials()
    {
        var person = await Members.In(factory.Services).AddAsync(null, MemberRoles.Owner, password: "correct horse battery staple");
        var other = await _console.OrganizationAsync();
        await Members.In(factory.Services).AddAsync(other.Id, MemberRoles.Auditor, email: person.Email);
        await new SignedInUsers(factory.Services).StartSessionAsync(person, methods: "pwd");
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var page = await browser.GetStringAsync(new Uri($"/users/{person.Id}", UriKind.Relative));

            Assert.Contains($"<h1 id=\"user-email\">{person.Email}</h1>", page, StringComparison.Ordinal);
            Assert.Contains($"data-organization=\"{other.Slug}\"", page, StringComparison.Ordinal);
            Assert.Equal(2, Regex.Count(page, "data-organization=\""));
            Assert.Contains("<dd id=\"user-password\">Yes</dd>", page, StringComparison.Ordinal);
            Assert.Contains("data-active=\"true\"", page, StringComparison.Ordinal);
            Assert.Contains("id=\"suspend\"", page, StringComparison.Ordinal);
            Assert.Contains("id=\"reset\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"lift\"", page, StringComparison.Ordinal);

            using var unknown = await browser.GetAsync(new Uri($"/users/{Guid.NewGuid()}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
    }

    [Fact]
    public async Task Suspension_needs_confirmation_and_a_reason_ends_the_sessions_and_lifting_it_restores_the_state()
    {
        var person = await Members.In(factory.Services).AddAsync(null, MemberRoles.Admin);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(person);
        var (browser, @operator) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var path = $"/users/{person.Id}";
            var confirm = await browser.GetStringAsync(new Uri($"{path}?confirm=suspend", UriKind.Relative));
            Assert.Contains("Yes, suspend user", confirm, StringComparison.Ordinal);

            var before = await AuditCountAsync();
            using var unexplained = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Suspend", [new("Reason", "")]);
            Assert.Equal(HttpStatusCode.BadRequest, unexplained.StatusCode);
            Assert.Contains("id=\"suspend-confirm\"", await unexplained.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(UserState.Active, await StateOfAsync(person.Id));
            Assert.Equal(before, await AuditCountAsync());

            using var suspended = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Suspend", [new("Reason", "Reported stolen laptop")]);
            Assert.Equal(HttpStatusCode.Redirect, suspended.StatusCode);
            Assert.Equal($"{path}?done=suspended", suspended.Headers.Location!.OriginalString);
            Assert.Equal(UserState.Suspended, await StateOfAsync(person.Id));
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                Assert.NotNull((await db.UserSessions.SingleAsync(s => s.Id == session.Id)).EndedAt);
                var entry = await db.AuditEntries.Where(a => a.TargetUserId == person.Id && a.Action == AuditActions.UserStateChanged)
                    .OrderByDescending(a => a.Id).FirstAsync();
                Assert.Equal(@operator.Email, entry.Actor);
                Assert.Contains("Reported stolen laptop", entry.Details, StringComparison.Ordinal);
            }

            var page = await browser.GetStringAsync(new Uri($"{path}?done=suspended", UriKind.Relative));
            Assert.Contains("id=\"lift\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"suspend\"", page, StringComparison.Ordinal);

            using var lifted = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Lift", []);
            Assert.Equal(HttpStatusCode.Redirect, lifted.StatusCode);
            Assert.Equal(UserState.Active, await StateOfAsync(person.Id));

            // Lifting again is refused: there is no suspension to lift.
            var afterLift = await AuditCountAsync();
            using var twice = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Lift", []);
            Assert.NotEqual(HttpStatusCode.Redirect, twice.StatusCode);
            Assert.Contains("id=\"error\"", await twice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(afterLift, await AuditCountAsync());
        }
    }

    [Fact]
    public async Task Suspending_oneself_or_another_operator_is_refused_and_changes_nothing()
    {
        var colleague = await Members.In(factory.Services).AddWithoutOrganizationAsync(isOperator: true);
        var (browser, self) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var before = await AuditCountAsync();
            foreach (var target in new[] { self, colleague })
            {
                var path = $"/users/{target.Id}";
                Assert.DoesNotContain("id=\"suspend\"", await browser.GetStringAsync(new Uri(path, UriKind.Relative)), StringComparison.Ordinal);
                using var response = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Suspend", [new("Reason", "Testing the rules")]);

                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Contains("id=\"error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Equal(UserState.Active, await StateOfAsync(target.Id));
            }

            Assert.Equal(before, await AuditCountAsync());
        }
    }

    [Fact]
    public async Task An_operator_resets_an_account_of_any_organization()
    {
        var person = await Members.In(factory.Services).AddAsync(null, MemberRoles.Owner, password: "correct horse battery staple");
        var (browser, @operator) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var path = $"/users/{person.Id}";
            Assert.Contains("Yes, reset user", await browser.GetStringAsync(new Uri($"{path}?confirm=reset", UriKind.Relative)), StringComparison.Ordinal);
            using var reset = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Reset", []);

            Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == person.Id);
            Assert.Equal(UserState.Reset, user.State);
            Assert.Null(user.PasswordHash);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == person.Id && a.Action == AuditActions.UserStateChanged && a.Actor == @operator.Email));
            await KeyPortal.TestSupport.Eventually.HoldsAsync(
                () => Directory.Exists(factory.MailDirectory) && Directory.GetFiles(factory.MailDirectory, "*.eml").Any(f => File.ReadAllText(f).Contains(person.Email!, StringComparison.OrdinalIgnoreCase)),
                "the outbox's sender has written the email");

            // A reset account is reset again only by resending its link, not by a second reset.
            var before = await AuditCountAsync();
            using var again = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Reset", []);
            Assert.NotEqual(HttpStatusCode.Redirect, again.StatusCode);
            Assert.Equal(before, await AuditCountAsync());
        }
    }

    [Fact]
    public async Task An_operator_demoted_meanwhile_can_no_longer_suspend()
    {
        var person = await Members.In(factory.Services).AddAsync(null, MemberRoles.Admin);
        var (browser, @operator) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var path = $"/users/{person.Id}";
            var token = ConsoleDeliveries.AntiforgeryTokenOf(await browser.GetStringAsync(new Uri(path, UriKind.Relative)));
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                await db.Users.Where(u => u.Id == @operator.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsPlatformOperator, false));
            }

            using var response = await ConsoleDeliveries.PostFormWithTokenAsync(browser, token, $"{path}?handler=Suspend", [new("Reason", "no longer allowed")]);

            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
            Assert.NotEqual($"{path}?done=suspended", response.Headers.Location?.OriginalString);
            Assert.Equal(UserState.Active, await StateOfAsync(person.Id));
        }
    }

    private async Task<UserState> StateOfAsync(Guid userId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Users.Where(u => u.Id == userId).Select(u => u.State).SingleAsync();
    }

    private async Task<int> AuditCountAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().AuditEntries.CountAsync();
    }

    [GeneratedRegex("href=\"([^\"]+)\" id=\"next-page\"")]
    private static partial Regex NextPagePattern();

    [GeneratedRegex("data-testid=\"user-row\"")]
    private static partial Regex UserRowPattern();
}
