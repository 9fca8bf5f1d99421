using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Federation;

/// <summary>
/// Starting a federated sign-in writes an outstanding request: the login link is rate-limited per
/// address like sign-in itself, GETs included, so nobody fills the table (or the SQLite writer) anonymously.
/// </summary>
public sealed class FederatedSignInLimitTests(ClassHost own) : IClassFixture<ClassHost>
{
    [Fact]
    public async Task The_login_link_answers_a_few_starts_per_address_then_refuses_and_writes_nothing_more()
    {
        var host = await own.StartOnceAsync(o => o.Setting("IdentityProvider:SignInAttemptsPerAddressPerMinute", "3"));
        var slug = $"lim-{Guid.NewGuid():N}"[..20];
        Guid organizationId;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            organizationId = (await scope.ServiceProvider.GetRequiredService<OrganizationService>()
                .CreateAsync(AuditActor.System, $"Limited {slug}", slug, OrganizationKind.Customer)).Id;
            using var rsa = RSA.Create(2048);
            using var certificate = new CertificateRequest("CN=idp", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var sso = scope.ServiceProvider.GetRequiredService<SsoService>();
            await sso.SaveSamlAsync(AuditActor.System, organizationId, new SamlConnectionSettings(
                "https://idp.limited.example/", new Uri("https://idp.limited.example/sso"), certificate.ExportCertificatePem(), null, null));
            await sso.SetEnabledAsync(AuditActor.System, organizationId, true);
        }

        using var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        for (var i = 0; i < 3; i++)
        {
            using var started = await client.GetAsync(new Uri($"/sso/{slug}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
            Assert.StartsWith("https://idp.limited.example/sso?SAMLRequest=", started.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        }

        using var refused = await client.GetAsync(new Uri($"/sso/{slug}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        await using var db = host.Database.CreateContext();
        Assert.Equal(3, await db.Set<SsoSignInRequest>().CountAsync(r => r.OrganizationId == organizationId));
    }
}
