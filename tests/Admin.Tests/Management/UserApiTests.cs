using System.Net;
using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Admin.Tests.Management;

/// <summary>The management API's accounts: search, profile, suspension and its lifting, reset.</summary>
[Collection(AdminApp.Collection)]
public sealed class UserApiTests(RelyingPartyAppFactory<Program> factory)
{
    private const string Users = "/api/v1/users";

    private readonly ManagementCalls _calls = new(factory);

    [Fact]
    public async Task Operators_search_accounts_by_email_prefix_a_page_at_a_time_and_read_a_profile()
    {
        var prefix = $"search-{Guid.NewGuid():N}"[..20];
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var people = new List<User>();
        for (var i = 0; i < 3; i++)
        {
            people.Add(await _calls.Members.AddAsync(organization.Id, MemberRoles.Admin, email: $"{prefix}-{i}@example.com"));
        }

        var (_, token) = await _calls.OperatorTokenAsync();

        using var first = await _calls.CallAsync(HttpMethod.Get, $"{Users}?email={prefix.ToUpperInvariant()}&limit=2", token);
        var firstPage = await ManagementCalls.BodyAsync(first);
        var cursor = firstPage.GetProperty("nextCursor").GetString();
        using var second = await _calls.CallAsync(HttpMethod.Get, $"{Users}?email={prefix}&limit=2&cursor={cursor}", token);
        var secondPage = await ManagementCalls.BodyAsync(second);
        using var profile = await _calls.CallAsync(HttpMethod.Get, $"{Users}/{people[0].Id}", token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var rows = firstPage.GetProperty("items").EnumerateArray().Concat(secondPage.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(people.Select(p => p.Id), rows.Select(r => r.GetProperty("id").GetGuid()));
        Assert.All(rows, r => Assert.Equal("Active", r.GetProperty("state").GetString()));
        Assert.Equal(JsonValueKind.Null, secondPage.GetProperty("nextCursor").ValueKind);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        var body = await ManagementCalls.BodyAsync(profile);
        Assert.Equal(people[0].Email, body.GetProperty("email").GetString());
        var membership = Assert.Single(body.GetProperty("memberships").EnumerateArray());
        Assert.Equal(organization.Id, membership.GetProperty("organizationId").GetGuid());
        Assert.Equal(["Admin"], membership.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory]
    [InlineData("?cursor=%%%", "page.cursor_invalid")]
    [InlineData("?limit=0", "page.limit_invalid")]
    [InlineData("?limit=500", "page.limit_invalid")]
    public async Task A_bad_cursor_or_limit_is_a_400_problem(string query, string code)
    {
        var (_, token) = await _calls.OperatorTokenAsync();

        using var response = await _calls.CallAsync(HttpMethod.Get, Users + query, token);

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Unknown_accounts_are_404_problems_and_change_nothing()
    {
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();
        var unknown = Guid.NewGuid();

        using var read = await _calls.CallAsync(HttpMethod.Get, $"{Users}/{unknown}", token);
        using var suspend = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{unknown}/suspension", token, """{"reason":"Compromised"}""");
        using var lift = await _calls.CallAsync(HttpMethod.Delete, $"{Users}/{unknown}/suspension", token);
        using var reset = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{unknown}/reset", token);

        foreach (var response in new[] { read, suspend, lift, reset })
        {
            await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "user.not_found");
        }

        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task An_operator_suspends_with_a_reason_and_lifts_the_suspension_back_to_the_earlier_state()
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var member = await _calls.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var (operatorUser, token) = await _calls.OperatorTokenAsync();

        using var suspended = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{member.Id}/suspension", token, """{"reason":"Reported stolen key"}""");

        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal("Suspended", (await ManagementCalls.BodyAsync(suspended)).GetProperty("state").GetString());
        Assert.Equal(UserState.Suspended, (await _calls.UserAsync(member.Id))!.State);
        var audited = await _calls.AuditAsync(a => a.Where(e => e.TargetUserId == member.Id && e.Action == AuditActions.UserStateChanged && e.ActorUserId == operatorUser.Id));
        Assert.Contains(audited, e => e.Details.Contains("Reported stolen key", StringComparison.Ordinal));

        var before = await _calls.CountsAsync();
        using var twice = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{member.Id}/suspension", token, """{"reason":"again"}""");
        await ManagementCalls.AssertProblemAsync(twice, HttpStatusCode.Conflict, "user.illegal_transition");
        Assert.Equal(before, await _calls.CountsAsync());

        using var lifted = await _calls.CallAsync(HttpMethod.Delete, $"{Users}/{member.Id}/suspension", token);
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        Assert.Equal("Active", (await ManagementCalls.BodyAsync(lifted)).GetProperty("state").GetString());
        Assert.Equal(UserState.Active, (await _calls.UserAsync(member.Id))!.State);

        var afterLift = await _calls.CountsAsync();
        using var liftAgain = await _calls.CallAsync(HttpMethod.Delete, $"{Users}/{member.Id}/suspension", token);
        await ManagementCalls.AssertProblemAsync(liftAgain, HttpStatusCode.Conflict, "user.illegal_transition");
        Assert.Equal(afterLift, await _calls.CountsAsync());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"reason":""}""")]
    [InlineData("""{"reason":"two\nlines"}""")]
    public async Task A_suspension_without_a_reason_is_a_400_problem_and_changes_nothing(string json)
    {
        var member = await _calls.Members.AddAsync(null, MemberRoles.Owner);
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var response = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{member.Id}/suspension", token, json);

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "reason.required");
        Assert.Equal(before, await _calls.CountsAsync());
        Assert.Equal(UserState.Active, (await _calls.UserAsync(member.Id))!.State);
    }

    [Fact]
    public async Task Suspending_oneself_or_another_operator_is_refused_with_403_and_changes_nothing()
    {
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        var colleague = await _calls.Members.AddWithoutOrganizationAsync(isOperator: true);
        var before = await _calls.CountsAsync();

        using var self = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{operatorUser.Id}/suspension", token, """{"reason":"test"}""");
        using var other = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{colleague.Id}/suspension", token, """{"reason":"test"}""");

        await ManagementCalls.AssertProblemAsync(self, HttpStatusCode.Forbidden, "user.suspend_self");
        await ManagementCalls.AssertProblemAsync(other, HttpStatusCode.Forbidden, "user.suspend_operator");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task An_operator_resets_an_account_which_is_then_in_reset_and_a_second_reset_is_refused()
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var member = await _calls.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var (operatorUser, token) = await _calls.OperatorTokenAsync();

        using var reset = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{member.Id}/reset", token);

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var body = await ManagementCalls.BodyAsync(reset);
        Assert.Equal("Reset", body.GetProperty("state").GetString());
        Assert.Equal(member.Id, body.GetProperty("userId").GetGuid());
        Assert.Equal(UserState.Reset, (await _calls.UserAsync(member.Id))!.State);
        var audited = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.TargetUserId == member.Id && e.Action == AuditActions.UserReset)));
        Assert.Equal(operatorUser.Id, audited.ActorUserId);

        var before = await _calls.CountsAsync();
        using var again = await _calls.CallAsync(HttpMethod.Post, $"{Users}/{member.Id}/reset", token);
        await ManagementCalls.AssertProblemAsync(again, HttpStatusCode.Conflict, "user.illegal_transition");
        Assert.Equal(before, await _calls.CountsAsync());
    }
}
