using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.Portal.Tests.Users;

/// <summary>
/// A session made through organization X's identity provider reaches organization X only: one
/// organization's identity provider never signs anybody into another organization, whatever the
/// person's memberships there. A passkey session of the same person reaches both.
/// </summary>
[Collection(UsersFixture.Collection)]
public sealed class FederatedSessionScopeTests(UsersFixture fixture)
{
    [Fact]
    public async Task A_session_federated_by_one_organization_sees_only_that_organization()
    {
        var (federating, _) = await fixture.OrganizationAsync();
        var (other, otherOwner) = await fixture.OrganizationAsync();
        var person = await fixture.Members.AddAsync(federating.Id, MemberRoles.Admin);
        await fixture.AddAsync(other.Id, person, MemberRoles.Owner);
        var colleague = await fixture.Members.AddAsync(other.Id, MemberRoles.Auditor);

        using var federated = await fixture.SignedInAsync(person, federatedBy: federating.Id);

        var home = await federated.GetStringAsync(new Uri("/users", UriKind.Relative));
        Assert.Contains(federating.Name, home, StringComparison.Ordinal);
        Assert.DoesNotContain(other.Name, home, StringComparison.Ordinal);
        // The other organization's people and the switch to it are out of reach.
        using var details = await federated.GetAsync(new Uri($"/users/{colleague.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, details.StatusCode);
        using var switched = await UsersFixture.PostAsync(federated, "/organization/switch", new Dictionary<string, string> { ["organizationId"] = other.Id.ToString() });
        Assert.Equal(HttpStatusCode.NotFound, switched.StatusCode);
        Assert.False(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.OrganizationId == other.Id && a.TargetUserId == person.Id && a.Action == "organization.switched")));
        // Being Owner there gives nothing either: a member of the other organization is not reached.
        // (here an Admin, who may not reset anyone, is refused before the person is even looked up).
        using var reset = await UsersFixture.PostAsync(federated, $"/users/{colleague.Id}?handler=Reset");
        Assert.Contains(reset.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });
        Assert.Equal(UserState.Active, (await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == colleague.Id))).State);

        // The same person with a passkey session works in both.
        using var passkey = await fixture.SignedInAsync(person);
        using var both = await UsersFixture.PostAsync(passkey, "/organization/switch", new Dictionary<string, string> { ["organizationId"] = other.Id.ToString() });
        Assert.Equal(HttpStatusCode.Redirect, both.StatusCode);
        using var reachable = await passkey.GetAsync(new Uri($"/users/{colleague.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reachable.StatusCode);
        Assert.NotNull(otherOwner);
    }
}
