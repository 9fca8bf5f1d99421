using KeyPortal.Core.Memberships;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>The lifetime of JWTs issued against API tokens follows its setting; the token's "last used" names the address that asked.</summary>
public sealed class ApiTokenClientSettingsTests
{
    [Fact]
    public async Task The_lifetime_is_the_setting_and_the_request_counts_as_a_use_from_its_address()
    {
        await using var host = await IdpHost.StartAsync(options => options
            .Setting("IdentityProvider:ApiTokenAccessTokenLifetime", "00:02:00")
            .PeerAddressFromHeader());
        var owner = await host.Members.AddAsync(null, MemberRoles.Owner);
        Guid organizationId;
        await using (var db = host.Database.CreateContext())
        {
            organizationId = await db.Memberships.Where(m => m.UserId == owner.Id).Select(m => m.OrganizationId).SingleAsync();
        }

        var token = await ApiTokenClients.GenerateTokenAsync(host.Services, owner, organizationId);
        using var idp = host.CreateClient();
        idp.DefaultRequestHeaders.Add(PeerAddress.Header, "198.51.100.23");

        var jwt = new JsonWebToken(await ApiTokenClients.JwtForAsync(idp, token.Value));

        Assert.Equal(TimeSpan.FromMinutes(2), jwt.ValidTo - jwt.IssuedAt);
        var listed = await ApiTokenClients.FindAsync(host.Services, organizationId, token);
        Assert.Equal("198.51.100.23", listed?.LastUsedFrom);
        Assert.NotNull(listed?.LastUsedAt);
    }

    [Fact]
    public async Task A_lifetime_over_an_hour_refuses_to_start()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await IdpHost.StartAsync(options => options.Setting("IdentityProvider:ApiTokenAccessTokenLifetime", "02:00:00"));
        });

        Assert.Contains("ApiTokenAccessTokenLifetime", refused.Message, StringComparison.Ordinal);
    }
}
