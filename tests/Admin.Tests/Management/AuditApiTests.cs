using System.Net;
using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Admin.Tests.Management;

/// <summary>The management API's audit trail: filters and position paging.</summary>
[Collection(AdminApp.Collection)]
public sealed class AuditApiTests(RelyingPartyAppFactory<Program> factory)
{
    private const string Audit = "/api/v1/audit";

    private readonly ManagementCalls _calls = new(factory);

    [Fact]
    public async Task Operators_read_an_organizations_entries_newest_first_filtered_and_a_page_at_a_time()
    {
        var (organization, owner) = await _calls.OrganizationWithOwnerAsync();
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        var members = $"/api/v1/organizations/{organization.Id}/members";
        for (var i = 0; i < 3; i++)
        {
            using var added = await _calls.CallAsync(HttpMethod.Post, members, token, $$"""{"email":"{{ManagementCalls.UniqueEmail()}}","roles":["Auditor"]}""");
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        var filter = $"organizationId={organization.Id}&action=member.added&actor={Uri.EscapeDataString(operatorUser.Email!)}";
        using var first = await _calls.CallAsync(HttpMethod.Get, $"{Audit}?{filter}&limit=2", token);
        var firstPage = await ManagementCalls.BodyAsync(first);
        using var second = await _calls.CallAsync(HttpMethod.Get, $"{Audit}?{filter}&limit=2&cursor={firstPage.GetProperty("nextCursor").GetString()}", token);
        var secondPage = await ManagementCalls.BodyAsync(second);
        using var byTarget = await _calls.CallAsync(HttpMethod.Get, $"{Audit}?targetUserId={owner.Id}&action=member.", token);
        using var future = await _calls.CallAsync(HttpMethod.Get, $"{Audit}?organizationId={organization.Id}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"))}", token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var entries = firstPage.GetProperty("items").EnumerateArray().Concat(secondPage.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal(("member.added", operatorUser.Id), (e.GetProperty("action").GetString(), e.GetProperty("actorUserId").GetGuid())));
        var ids = entries.Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(JsonValueKind.Null, secondPage.GetProperty("nextCursor").ValueKind);
        var ownerEntry = Assert.Single((await ManagementCalls.BodyAsync(byTarget)).GetProperty("items").EnumerateArray());
        Assert.Equal(AuditActions.MemberAdded, ownerEntry.GetProperty("action").GetString());
        Assert.Equal(owner.Email, ownerEntry.GetProperty("targetEmail").GetString());
        Assert.Empty((await ManagementCalls.BodyAsync(future)).GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("?cursor=nope", "page.cursor_invalid")]
    [InlineData("?limit=0", "page.limit_invalid")]
    [InlineData("?limit=501", "page.limit_invalid")]
    [InlineData("?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "audit.filter_invalid")]
    [InlineData("?organizationId=not-a-guid", "request.malformed")]
    [InlineData("?from=yesterday", "request.malformed")]
    public async Task A_bad_filter_cursor_or_limit_is_a_400_problem(string query, string code)
    {
        var (_, token) = await _calls.OperatorTokenAsync();

        using var response = await _calls.CallAsync(HttpMethod.Get, Audit + query, token);

        await ManagementCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
    }
}
