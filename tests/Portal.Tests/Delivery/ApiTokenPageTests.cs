using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.Delivery;

/// <summary>Manage API token: the secret is shown once, revocation works, both are audited, and the menu offers the page only to those who may use it.</summary>
[Collection(DeliveryFixture.Collection)]
public sealed partial class ApiTokenPageTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task Generating_shows_the_secret_once_and_a_reload_shows_only_its_public_id()
    {
        var world = await fixture.WorldAsync();
        var admin = await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Admin);
        using var browser = await fixture.SignedInAsync(admin);
        var form = await browser.GetStringAsync(new Uri("/organization/api-tokens", UriKind.Relative));
        var today = DateOnly.FromDateTime(fixture.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        // The default expiry is a year ahead, the latest two (the token settings' defaults).
        Assert.Contains($"value=\"{today.AddDays(365):yyyy-MM-dd}\"", form, StringComparison.Ordinal);
        Assert.Contains($"max=\"{today.AddDays(730):yyyy-MM-dd}\"", form, StringComparison.Ordinal);

        using var generated = await DeliveryFixture.PostAsync(browser, "/organization/api-tokens?handler=Generate",
            [new("Name", "Warehouse system"), new("ExpiresOn", $"{today.AddDays(30):yyyy-MM-dd}")]);

        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Contains("no-store", generated.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var page = await generated.Content.ReadAsStringAsync();
        var secret = SecretPattern().Match(page).Value;
        Assert.NotEmpty(secret);
        Assert.Contains("you will not see it again", page, StringComparison.Ordinal);
        Assert.Contains("id=\"copy-token\"", page, StringComparison.Ordinal);
        var publicId = secret[..secret.IndexOf('.', StringComparison.Ordinal)];

        // The secret shown is the token: it authenticates, as the member, in the organization.
        var caller = await fixture.WithAsync<ApiTokenService, ApiTokenCaller?>(tokens => tokens.AuthenticateAsync(secret, "127.0.0.1"));
        Assert.Equal((admin.Id, world.Customer.Id), (caller?.UserId, caller?.OrganizationId));
        var stored = await fixture.WithDbAsync(db => db.ApiTokens.AsNoTracking().SingleAsync(t => t.PublicId == publicId));
        Assert.Equal("Warehouse system", stored.Name);
        Assert.Equal(new DateTimeOffset(today.AddDays(30).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), stored.ExpiresAt);
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a =>
            a.Action == AuditActions.ApiTokenGenerated && a.OrganizationId == world.Customer.Id && a.ActorUserId == admin.Id && a.Details.Contains(publicId))));
        var recorded = await fixture.WithDbAsync(db => db.AuditEntries.Where(a => a.OrganizationId == world.Customer.Id).Select(a => a.Details).ToListAsync());
        Assert.DoesNotContain(recorded, details => details.Contains(secret[(publicId.Length + 1)..], StringComparison.Ordinal));

        // What the page's script puts in the history, and the plain list: the public id, never the secret.
        Assert.Contains($"data-replace-url=\"/organization/api-tokens?generatedId={publicId}\"", page, StringComparison.Ordinal);
        foreach (var path in new[] { $"/organization/api-tokens?generatedId={publicId}", "/organization/api-tokens" })
        {
            var reloaded = await browser.GetStringAsync(new Uri(path, UriKind.Relative));
            Assert.Contains(publicId, reloaded, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, reloaded, StringComparison.Ordinal);
            Assert.DoesNotMatch(SecretPattern(), reloaded);
            Assert.Contains($"data-public-id=\"{publicId}\"", reloaded, StringComparison.Ordinal);
        }

        Assert.Contains("id=\"generated-token-gone\"", await browser.GetStringAsync(new Uri($"/organization/api-tokens?generatedId={publicId}", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_deletes_the_token_which_then_authenticates_nobody_and_is_audited()
    {
        var world = await fixture.WorldAsync();
        var token = await fixture.TokenAsync(world.Owner, world.Customer.Id, "Old integration");
        using var browser = await fixture.SignedInAsync(world.Owner);
        var list = await browser.GetStringAsync(new Uri("/organization/api-tokens", UriKind.Relative));
        Assert.Contains($"id=\"revoke-{token.Token.Id}-dialog\"", list, StringComparison.Ordinal);
        var inline = await browser.GetStringAsync(new Uri($"/organization/api-tokens?confirm={token.Token.Id}", UriKind.Relative));
        Assert.Contains("Yes, revoke token", inline, StringComparison.Ordinal);
        Assert.Contains("id=\"revoke-confirm\"", inline, StringComparison.Ordinal);

        using var revoked = await DeliveryFixture.PostAsync(browser, "/organization/api-tokens?handler=Revoke", [new("TokenId", token.Token.Id.ToString())]);

        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Equal("/organization/api-tokens?done=revoked", revoked.Headers.Location?.OriginalString);
        Assert.False(await fixture.WithDbAsync(db => db.ApiTokens.AnyAsync(t => t.Id == token.Token.Id)));
        Assert.Null(await fixture.WithAsync<ApiTokenService, ApiTokenCaller?>(tokens => tokens.AuthenticateAsync(token.Value, "127.0.0.1")));
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a =>
            a.Action == AuditActions.ApiTokenRevoked && a.OrganizationId == world.Customer.Id && a.ActorUserId == world.Owner.Id && a.Details.Contains(token.Token.PublicId))));
        var after = await browser.GetStringAsync(new Uri("/organization/api-tokens?done=revoked", UriKind.Relative));
        Assert.Contains("id=\"done\"", after, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Token.PublicId, after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expiry_beyond_the_longest_allowed_or_a_missing_name_is_refused_in_the_form_and_generates_nothing()
    {
        var world = await fixture.WorldAsync();
        using var browser = await fixture.SignedInAsync(world.Owner);
        var today = DateOnly.FromDateTime(fixture.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var before = await fixture.SnapshotAsync(world.Customer.Id);

        foreach (var (name, expiresOn) in new[] { ("Too long", today.AddDays(800)), ("Past", today.AddDays(-1)), ("   ", today.AddDays(10)) })
        {
            using var refused = await DeliveryFixture.PostAsync(browser, "/organization/api-tokens?handler=Generate",
                [new("Name", name), new("ExpiresOn", $"{expiresOn:yyyy-MM-dd}")]);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var page = await refused.Content.ReadAsStringAsync();
            Assert.Contains("id=\"token-error\"", page, StringComparison.Ordinal);
            Assert.DoesNotMatch(SecretPattern(), page);
        }

        Assert.Equal(before, await fixture.SnapshotAsync(world.Customer.Id));
    }

    [Fact]
    public async Task The_organization_menu_offers_Manage_API_token_to_those_who_may_generate_tokens_only()
    {
        var world = await fixture.WorldAsync();
        var auditor = await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Auditor);
        using var owner = await fixture.SignedInAsync(world.Owner);
        using var reader = await fixture.SignedInAsync(auditor);

        var ownerHome = await owner.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("href=\"/organization/api-tokens\" data-testid=\"menu-api-tokens\">Manage API token<", ownerHome, StringComparison.Ordinal);
        Assert.DoesNotContain("menu-api-tokens", await reader.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    /// <summary>A whole token: public id, dot, 43 base64url characters of secret.</summary>
    [GeneratedRegex(@"kpat_[a-z2-7]{24}\.[A-Za-z0-9_-]{43}")]
    private static partial Regex SecretPattern();
}
