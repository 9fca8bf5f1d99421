using System.Net;
using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Admin.Tests.Management;

/// <summary>The management API's organizations: search, onboarding (idempotent), detail and kinds.</summary>
[Collection(AdminApp.Collection)]
public sealed class OrganizationApiTests(RelyingPartyAppFactory<Program> factory)
{
    private const string Organizations = "/api/v1/organizations";

    private readonly ManagementCalls _calls = new(factory);

    private static string Onboarding(string name, string slug, string kinds = """["Customer"]""", string? owner = null) =>
        $$"""{"name":{{JsonSerializer.Serialize(name)}},"slug":{{JsonSerializer.Serialize(slug)}},"kinds":{{kinds}},"ownerEmail":{{JsonSerializer.Serialize(owner ?? ManagementCalls.UniqueEmail())}}}""";

    [Fact]
    public async Task An_operator_onboards_an_organization_answered_201_with_its_location_its_owner_and_audited()
    {
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        var slug = ManagementCalls.UniqueSlug();
        var owner = ManagementCalls.UniqueEmail();

        using var response = await _calls.CallAsync(HttpMethod.Post, Organizations, token, Onboarding("Contoso Sweden", slug, """["Customer","reseller"]""", owner));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = await _calls.StoredOrganizationAsync(slug);
        Assert.NotNull(stored);
        Assert.Equal(OrganizationKind.Customer | OrganizationKind.Reseller, stored.Kind);
        Assert.Equal($"/api/v1/organizations/{stored.Id}", response.Headers.Location!.OriginalString);
        var body = await ManagementCalls.BodyAsync(response);
        Assert.Equal(stored.Id, body.GetProperty("organization").GetProperty("id").GetGuid());
        Assert.Equal(["Customer", "Reseller"], body.GetProperty("organization").GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(owner, body.GetProperty("owner").GetProperty("email").GetString());
        Assert.Equal("ActivationSent", body.GetProperty("owner").GetProperty("outcome").GetString());
        var created = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.OrganizationId == stored.Id && e.Action == AuditActions.OrganizationCreated)));
        Assert.Equal(operatorUser.Id, created.ActorUserId);

        using var read = await _calls.CallAsync(HttpMethod.Get, response.Headers.Location.OriginalString, token);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var detail = await ManagementCalls.BodyAsync(read);
        Assert.Equal(slug, detail.GetProperty("slug").GetString());
        Assert.Equal((1, 1), (detail.GetProperty("members").GetInt32(), detail.GetProperty("owners").GetInt32()));
        Assert.False(detail.GetProperty("singleSignOn").GetBoolean());
    }

    [Fact]
    public async Task A_retry_with_the_same_key_answers_the_same_201_and_onboards_once()
    {
        var (_, token) = await _calls.OperatorTokenAsync();
        var json = Onboarding("Fabrikam", ManagementCalls.UniqueSlug());
        var key = $"onboard-{Guid.NewGuid():N}";

        using var first = await _calls.CallAsync(HttpMethod.Post, Organizations, token, json, key);
        var afterFirst = await _calls.CountsAsync();
        using var retry = await _calls.CallAsync(HttpMethod.Post, Organizations, token, json, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(afterFirst, await _calls.CountsAsync());

        // The same key with another organization: refused, nothing created.
        using var reused = await _calls.CallAsync(HttpMethod.Post, Organizations, token, Onboarding("Other", ManagementCalls.UniqueSlug()), key);
        await ManagementCalls.AssertProblemAsync(reused, HttpStatusCode.Conflict, "idempotency.key_reused");
        Assert.Equal(afterFirst, await _calls.CountsAsync());
    }

    [Fact]
    public async Task Retries_with_the_same_key_at_the_same_moment_all_answer_the_one_organization_onboarded()
    {
        var (_, token) = await _calls.OperatorTokenAsync();
        var slug = ManagementCalls.UniqueSlug();
        var json = Onboarding("Burst", slug);
        var key = $"burst-{Guid.NewGuid():N}";
        var before = await _calls.CountsAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _calls.CallAsync(HttpMethod.Post, Organizations, token, json, key)));

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
            var stored = await _calls.StoredOrganizationAsync(slug);
            Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.OrganizationId == stored!.Id && e.Action == AuditActions.OrganizationCreated)));
            var after = await _calls.CountsAsync();
            Assert.Equal((before.Organizations + 1, before.Memberships + 1, before.Idempotent + 1), (after.Organizations, after.Memberships, after.Idempotent));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Theory]
    [InlineData("key with spaces")]
    [InlineData("a-key-longer-than-the-longest-key-taken-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789")]
    public async Task An_idempotency_key_that_is_too_long_or_not_visible_ascii_is_a_400_problem_and_creates_nothing(string key)
    {
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var response = await _calls.CallAsync(HttpMethod.Post, Organizations, token, Onboarding("Bad key", ManagementCalls.UniqueSlug()), key);

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "idempotency.key_invalid");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task A_search_longer_than_any_name_finds_nothing()
    {
        var (_, token) = await _calls.OperatorTokenAsync();

        using var response = await _calls.CallAsync(HttpMethod.Get, $"{Organizations}?q={new string('a', 201)}", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty((await ManagementCalls.BodyAsync(response)).GetProperty("items").EnumerateArray());
    }

    public static TheoryData<string, string> BadOnboardings => new()
    {
        { Onboarding("", "org-empty-name"), "organization.name_invalid" },
        { Onboarding("Bad slug", "Not A Slug!"), "organization.slug_invalid" },
        { Onboarding("No kinds", "org-no-kinds", "[]"), "organization.kind_empty" },
        { Onboarding("Unknown kind", "org-unknown-kind", """["Customer","Retailer"]"""), "organization.kind_unknown" },
        { Onboarding("Bad owner", "org-bad-owner", owner: "not an email"), "email.invalid" },
        { """{"name":"No owner","slug":"org-no-owner","kinds":["Customer"]}""", "email.invalid" },
        { """{"name":"Number kind","slug":"org-number-kind","kinds":[1],"ownerEmail":"a@example.com"}""", "request.malformed" },
        { "{not json", "request.malformed" },
    };

    [Theory]
    [MemberData(nameof(BadOnboardings))]
    public async Task Bad_input_is_a_400_problem_with_its_code_and_creates_nothing(string json, string code)
    {
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var response = await _calls.CallAsync(HttpMethod.Post, Organizations, token, json, $"bad-{Guid.NewGuid():N}");

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task A_short_name_already_used_is_a_409_and_creates_nothing()
    {
        var existing = await _calls.OrganizationAsync();
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var response = await _calls.CallAsync(HttpMethod.Post, Organizations, token, Onboarding("Copy", existing.Slug));

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.Conflict, "organization.slug_taken");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task Operators_search_organizations_by_name_or_short_name_prefix_a_page_at_a_time()
    {
        var prefix = $"Zeta{Guid.NewGuid():N}"[..12];
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _calls.OrganizationAsync(name: $"{prefix} {i}")).Id);
        }

        var (_, token) = await _calls.OperatorTokenAsync();

        using var first = await _calls.CallAsync(HttpMethod.Get, $"{Organizations}?q={prefix}&limit=2", token);
        var firstPage = await ManagementCalls.BodyAsync(first);
        var cursor = firstPage.GetProperty("nextCursor").GetString();
        using var second = await _calls.CallAsync(HttpMethod.Get, $"{Organizations}?q={prefix}&limit=2&cursor={cursor}", token);
        var secondPage = await ManagementCalls.BodyAsync(second);
        var bySlug = await _calls.OrganizationAsync(name: "Unrelated name");
        using var slugSearch = await _calls.CallAsync(HttpMethod.Get, $"{Organizations}?q={bySlug.Slug.ToUpperInvariant()}", token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var seen = firstPage.GetProperty("items").EnumerateArray().Concat(secondPage.GetProperty("items").EnumerateArray()).Select(o => o.GetProperty("id").GetGuid());
        Assert.Equal(ids, seen);
        Assert.Equal(JsonValueKind.Null, secondPage.GetProperty("nextCursor").ValueKind);
        var found = Assert.Single((await ManagementCalls.BodyAsync(slugSearch)).GetProperty("items").EnumerateArray());
        Assert.Equal(bySlug.Id, found.GetProperty("id").GetGuid());
        Assert.Equal(["Customer"], found.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
    }

    [Theory]
    [InlineData("?cursor=not-a-cursor!", "page.cursor_invalid")]
    [InlineData("?limit=0", "page.limit_invalid")]
    [InlineData("?limit=201", "page.limit_invalid")]
    [InlineData("?limit=many", "request.malformed")]
    public async Task A_bad_cursor_or_limit_is_a_400_problem(string query, string code)
    {
        var (_, token) = await _calls.OperatorTokenAsync();

        using var response = await _calls.CallAsync(HttpMethod.Get, Organizations + query, token);

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task An_unknown_organization_is_a_404_problem_to_read_and_to_change()
    {
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var read = await _calls.CallAsync(HttpMethod.Get, $"{Organizations}/{Guid.NewGuid()}", token);
        using var change = await _calls.CallAsync(HttpMethod.Put, $"{Organizations}/{Guid.NewGuid()}/kinds", token, """{"kinds":["Reseller"]}""");

        await ManagementCalls.AssertProblemAsync(read, HttpStatusCode.NotFound, "organization.not_found");
        await ManagementCalls.AssertProblemAsync(change, HttpStatusCode.NotFound, "organization.not_found");
        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task An_operator_changes_the_kinds_and_a_kind_in_use_is_refused_with_409_and_kept()
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        var path = $"{Organizations}/{organization.Id}/kinds";

        using var added = await _calls.CallAsync(HttpMethod.Put, path, token, """{"kinds":["Customer","Reseller"]}""");
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(["Customer", "Reseller"], (await ManagementCalls.BodyAsync(added)).GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        var audited = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.OrganizationId == organization.Id && e.Action == AuditActions.OrganizationKindChanged)));
        Assert.Equal(operatorUser.Id, audited.ActorUserId);

        await _calls.Members.AddAsync(organization.Id, new MemberRoles(null, ChannelRoles.Reseller));
        var before = await _calls.CountsAsync();
        using var refused = await _calls.CallAsync(HttpMethod.Put, path, token, """{"kinds":["Customer"]}""");

        await ManagementCalls.AssertProblemAsync(refused, HttpStatusCode.Conflict, "organization.kind_in_use");
        Assert.Equal(before, await _calls.CountsAsync());
        Assert.Equal(OrganizationKind.Customer | OrganizationKind.Reseller, (await _calls.StoredOrganizationAsync(organization.Slug))!.Kind);
    }

    [Theory]
    [InlineData("""{"kinds":[]}""", "organization.kind_empty")]
    [InlineData("""{"kinds":null}""", "organization.kind_empty")]
    [InlineData("""{"kinds":["Wholesaler"]}""", "organization.kind_unknown")]
    public async Task Bad_kinds_are_a_400_problem_and_change_nothing(string json, string code)
    {
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var (_, token) = await _calls.OperatorTokenAsync();
        var before = await _calls.CountsAsync();

        using var response = await _calls.CallAsync(HttpMethod.Put, $"{Organizations}/{organization.Id}/kinds", token, json);

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await _calls.CountsAsync());
    }
}
