using System.Net;
using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Admin.Tests.Management;

/// <summary>The management API's members: add (idempotent), change roles, remove, appoint an Owner.</summary>
[Collection(AdminApp.Collection)]
public sealed class MemberApiTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ManagementCalls _calls = new(factory);

    private static string Members(Guid organizationId) => $"/api/v1/organizations/{organizationId}/members";

    private static string NewMember(string email, string roles = """["Admin"]""") =>
        $$"""{"email":{{JsonSerializer.Serialize(email)}},"roles":{{roles}}}""";

    [Fact]
    public async Task An_operator_adds_a_new_person_who_gets_an_activation_link_and_the_addition_is_audited()
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        var email = ManagementCalls.UniqueEmail();

        using var response = await _calls.CallAsync(HttpMethod.Post, Members(organization.Id), token, NewMember(email, """["Admin","Reseller"]"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ManagementCalls.BodyAsync(response);
        var userId = body.GetProperty("userId").GetGuid();
        Assert.Equal($"/api/v1/users/{userId}", response.Headers.Location!.OriginalString);
        Assert.Equal(["Admin", "Reseller"], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("ActivationSent", body.GetProperty("outcome").GetString());
        var membership = await _calls.MembershipAsync(organization.Id, userId);
        Assert.Equal(new MemberRoles(OrganizationRole.Admin, ChannelRoles.Reseller), membership!.Roles);
        Assert.Equal(UserState.Pending, (await _calls.UserAsync(userId))!.State);
        var added = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.OrganizationId == organization.Id && e.TargetUserId == userId && e.Action == AuditActions.MemberAdded)));
        Assert.Equal(operatorUser.Id, added.ActorUserId);
    }

    [Fact]
    public async Task A_retry_with_the_same_key_answers_the_same_201_and_adds_once()
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var (_, token) = await _calls.OperatorTokenAsync();
        var json = NewMember(ManagementCalls.UniqueEmail());
        var key = $"member-{Guid.NewGuid():N}";

        using var first = await _calls.CallAsync(HttpMethod.Post, Members(organization.Id), token, json, key);
        var afterFirst = await _calls.CountsAsync();
        using var retry = await _calls.CallAsync(HttpMethod.Post, Members(organization.Id), token, json, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(afterFirst, await _calls.CountsAsync());

        // Without the key, the same addition again is refused: the person is a member already.
        using var again = await _calls.CallAsync(HttpMethod.Post, Members(organization.Id), token, json);
        await ManagementCalls.AssertProblemAsync(again, HttpStatusCode.Conflict, "membership.duplicate");
        Assert.Equal(afterFirst, await _calls.CountsAsync());
    }

    [Fact]
    public async Task Retries_with_the_same_key_at_the_same_moment_all_answer_the_one_addition()
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var (_, token) = await _calls.OperatorTokenAsync();
        var json = NewMember(ManagementCalls.UniqueEmail());
        var key = $"burst-{Guid.NewGuid():N}";
        var before = await _calls.CountsAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _calls.CallAsync(HttpMethod.Post, Members(organization.Id), token, json, key)));

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
            var after = await _calls.CountsAsync();
            Assert.Equal((before.Memberships + 1, before.Users + 1, before.Idempotent + 1), (after.Memberships, after.Users, after.Idempotent));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    public static TheoryData<string, string> BadMembers => new()
    {
        { NewMember("not an email"), "email.invalid" },
        { NewMember("a@example.com", """["Boss"]"""), "role.unknown" },
        { NewMember("a@example.com", """["Owner","Admin"]"""), "membership.multiple_organization_roles" },
        { NewMember("a@example.com", "[]"), "membership.no_role" },
        { NewMember("a@example.com", """["Distributor"]"""), "membership.channel_role_not_allowed" },
        { """{"email":"a@example.com"}""", "membership.no_role" },
        { "{not json", "request.malformed" },
    };

    [Theory]
    [MemberData(nameof(BadMembers))]
    public async Task Bad_input_is_a_400_problem_with_its_code_and_adds_nothing(string json, string code)
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var response = await _calls.CallAsync(HttpMethod.Post, Members(organization.Id), token, json, $"bad-{Guid.NewGuid():N}");

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task Unknown_organizations_and_members_are_404_problems_and_change_nothing()
    {
        var (organization, owner) = await _calls.OrganizationWithOwnerAsync();
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var add = await _calls.CallAsync(HttpMethod.Post, Members(Guid.NewGuid()), token, NewMember(ManagementCalls.UniqueEmail()));
        using var roles = await _calls.CallAsync(HttpMethod.Put, $"{Members(organization.Id)}/{Guid.NewGuid()}/roles", token, """{"roles":["Admin"]}""");
        using var rolesElsewhere = await _calls.CallAsync(HttpMethod.Put, $"{Members(Guid.NewGuid())}/{owner.Id}/roles", token, """{"roles":["Admin"]}""");
        using var remove = await _calls.CallAsync(HttpMethod.Delete, $"{Members(organization.Id)}/{Guid.NewGuid()}", token);
        using var appoint = await _calls.CallAsync(HttpMethod.Post, $"/api/v1/organizations/{Guid.NewGuid()}/owners", token, """{"email":"a@example.com","reason":"Owner left"}""");

        await ManagementCalls.AssertProblemAsync(add, HttpStatusCode.NotFound, "organization.not_found");
        await ManagementCalls.AssertProblemAsync(roles, HttpStatusCode.NotFound, "membership.not_found");
        await ManagementCalls.AssertProblemAsync(rolesElsewhere, HttpStatusCode.NotFound, "organization.not_found");
        await ManagementCalls.AssertProblemAsync(remove, HttpStatusCode.NotFound, "membership.not_found");
        await ManagementCalls.AssertProblemAsync(appoint, HttpStatusCode.NotFound, "organization.not_found");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task An_operator_changes_roles_but_the_last_owner_keeps_the_owner_role()
    {
        var (organization, owner) = await _calls.OrganizationWithOwnerAsync();
        var admin = await _calls.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var (operatorUser, token) = await _calls.OperatorTokenAsync();

        using var changed = await _calls.CallAsync(HttpMethod.Put, $"{Members(organization.Id)}/{admin.Id}/roles", token, """{"roles":["Auditor"]}""");

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var body = await ManagementCalls.BodyAsync(changed);
        Assert.Equal(["Auditor"], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(admin.Email, body.GetProperty("email").GetString());
        Assert.Equal(MemberRoles.Auditor, (await _calls.MembershipAsync(organization.Id, admin.Id))!.Roles);
        var audited = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.TargetUserId == admin.Id && e.Action == AuditActions.MemberRolesChanged)));
        Assert.Equal(operatorUser.Id, audited.ActorUserId);

        var before = await _calls.CountsAsync();
        using var demote = await _calls.CallAsync(HttpMethod.Put, $"{Members(organization.Id)}/{owner.Id}/roles", token, """{"roles":["Admin"]}""");
        using var bad = await _calls.CallAsync(HttpMethod.Put, $"{Members(organization.Id)}/{admin.Id}/roles", token, """{"roles":["Reseller"]}""");

        await ManagementCalls.AssertProblemAsync(demote, HttpStatusCode.Conflict, "organization.last_owner");
        await ManagementCalls.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "membership.channel_role_not_allowed");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task An_operator_removes_a_member_answered_204_but_not_the_last_owner()
    {
        var (organization, owner) = await _calls.OrganizationWithOwnerAsync();
        var admin = await _calls.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var (_, token) = await _calls.OperatorTokenAsync();

        using var removed = await _calls.CallAsync(HttpMethod.Delete, $"{Members(organization.Id)}/{admin.Id}", token);

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Null(await _calls.MembershipAsync(organization.Id, admin.Id));
        Assert.Equal(UserState.Deactivated, (await _calls.UserAsync(admin.Id))!.State);
        Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.TargetUserId == admin.Id && e.Action == AuditActions.MemberRemoved)));

        var before = await _calls.CountsAsync();
        using var last = await _calls.CallAsync(HttpMethod.Delete, $"{Members(organization.Id)}/{owner.Id}", token);
        await ManagementCalls.AssertProblemAsync(last, HttpStatusCode.Conflict, "organization.last_owner");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task An_operator_appoints_an_owner_with_a_reason_promoting_a_member_or_adding_a_person()
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        var reseller = await _calls.Members.AddAsync(organization.Id, new MemberRoles(OrganizationRole.Auditor, ChannelRoles.Reseller));
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        var owners = $"/api/v1/organizations/{organization.Id}/owners";

        using var promoted = await _calls.CallAsync(HttpMethod.Post, owners, token,
            $$"""{"email":{{JsonSerializer.Serialize(reseller.Email)}},"reason":"The only Owner lost their key"}""");
        var newcomer = ManagementCalls.UniqueEmail();
        using var joined = await _calls.CallAsync(HttpMethod.Post, owners, token, $$"""{"email":"{{newcomer}}","reason":"Second Owner on request"}""");

        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var promotedBody = await ManagementCalls.BodyAsync(promoted);
        Assert.True(promotedBody.GetProperty("promoted").GetBoolean());
        Assert.Equal(["Owner", "Reseller"], promotedBody.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        var joinedBody = await ManagementCalls.BodyAsync(joined);
        Assert.False(joinedBody.GetProperty("promoted").GetBoolean());
        Assert.Equal("ActivationSent", joinedBody.GetProperty("outcome").GetString());
        var appointed = await _calls.AuditAsync(a => a.Where(e => e.OrganizationId == organization.Id && e.Action == AuditActions.OwnerAppointed));
        Assert.Equal(2, appointed.Count);
        Assert.All(appointed, e => Assert.Equal(operatorUser.Id, e.ActorUserId));
        Assert.Contains("The only Owner lost their key", appointed[0].Details, StringComparison.Ordinal);

        var before = await _calls.CountsAsync();
        using var again = await _calls.CallAsync(HttpMethod.Post, owners, token,
            $$"""{"email":{{JsonSerializer.Serialize(reseller.Email)}},"reason":"again"}""");
        await ManagementCalls.AssertProblemAsync(again, HttpStatusCode.Conflict, "organization.already_owner");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Theory]
    [InlineData("""{"email":"someone@example.com"}""", "reason.required")]
    [InlineData("""{"email":"someone@example.com","reason":"  "}""", "reason.required")]
    [InlineData("""{"email":"nobody","reason":"Owner left"}""", "email.invalid")]
    public async Task Appointing_without_a_reason_or_a_valid_email_is_a_400_problem_and_changes_nothing(string json, string code)
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var response = await _calls.CallAsync(HttpMethod.Post, $"/api/v1/organizations/{organization.Id}/owners", token, json);

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await _calls.CountsAsync());
    }
}
