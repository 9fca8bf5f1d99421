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

    [Fact]
    public async Task A_federated_session_of_one_organization_cannot_reset_a_member_another_organization_relies_on()
    {
        var (x, _) = await fixture.OrganizationAsync();
        var (y, _) = await fixture.OrganizationAsync();
        var person = await fixture.Members.AddAsync(x.Id, MemberRoles.Owner);
        await fixture.AddAsync(y.Id, person, MemberRoles.Owner);
        var shared = await fixture.Members.AddAsync(x.Id, MemberRoles.Auditor);
        await fixture.AddAsync(y.Id, shared, MemberRoles.Auditor);
        var onlyX = await fixture.Members.AddAsync(x.Id, MemberRoles.Auditor);

        using var federated = await fixture.SignedInAsync(person, federatedBy: x.Id);
        using var sharedReset = await UsersFixture.PostAsync(federated, $"/users/{shared.Id}?handler=Reset");
        using var selfReset = await UsersFixture.PostAsync(federated, $"/users/{person.Id}?handler=Reset");

        Assert.Equal(UserState.Active, await StateAsync(shared.Id));
        Assert.Equal(UserState.Active, await StateAsync(person.Id));
        // Within its own organization the session's Owner rights hold.
        using var ownReset = await UsersFixture.PostAsync(federated, $"/users/{onlyX.Id}?handler=Reset");
        Assert.Equal(UserState.Reset, await StateAsync(onlyX.Id));
        // The same person with a passkey session owns both organizations and may reset the shared member.
        using var passkey = await fixture.SignedInAsync(person);
        using var reset = await UsersFixture.PostAsync(passkey, $"/users/{shared.Id}?handler=Reset");
        Assert.Equal(UserState.Reset, await StateAsync(shared.Id));
    }

    [Fact]
    public async Task A_federated_session_cannot_accept_or_decline_an_invitation_to_another_organization()
    {
        var (x, _) = await fixture.OrganizationAsync();
        var (y, yOwner) = await fixture.OrganizationAsync();
        var person = await fixture.Members.AddAsync(x.Id, MemberRoles.Auditor);
        using var yBrowser = await fixture.SignedInAsync(yOwner);
        using (await UsersFixture.PostAsync(yBrowser, "/users/new", new Dictionary<string, string> { ["Email"] = person.Email!, ["Role"] = "Owner" }))
        {
        }

        var invitationId = await fixture.WithDbAsync(db => db.Invitations
            .Where(i => i.UserId == person.Id && i.OrganizationId == y.Id && i.Purpose == KeyPortal.Core.Invitations.InvitationPurpose.Membership).Select(i => i.Id).SingleAsync());
        using var federated = await fixture.SignedInAsync(person, federatedBy: x.Id);
        using var accepted = await UsersFixture.PostAsync(federated, "/invitations?handler=Accept", new Dictionary<string, string> { ["InvitationId"] = invitationId.ToString() });
        using var declined = await UsersFixture.PostAsync(federated, "/invitations?handler=Decline", new Dictionary<string, string> { ["InvitationId"] = invitationId.ToString() });

        Assert.Equal(HttpStatusCode.Forbidden, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, declined.StatusCode);
        Assert.False(await fixture.WithDbAsync(db => db.Memberships.AnyAsync(m => m.OrganizationId == y.Id && m.UserId == person.Id)));
        Assert.Null(await fixture.WithDbAsync(db => db.Invitations.Where(i => i.Id == invitationId).Select(i => i.SupersededAt).SingleAsync()));
    }

    private Task<UserState> StateAsync(Guid userId) =>
        fixture.WithDbAsync(db => db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.State).SingleAsync());
}
