using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Core.Users;
using KeyPortal.Portal.SingleSignOn;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KeyPortal.Portal.Tests.SingleSignOn;

/// <summary>
/// The Portal with DNS answered from <see cref="Dns"/> and metadata addresses answered by
/// <see cref="MetadataServer"/>, so nothing leaves the machine; one host for the collection.
/// </summary>
public sealed partial class SsoFixture : RelyingPartyAppFactory<Program>
{
    public const string Collection = "Portal single sign-on";

    public FakeDns Dns { get; } = new();

    public FakeMetadataServer MetadataServer { get; } = new();

    public SignedInUsers Users => new(Services);

    public Members Members => Members.In(Services);

    public async Task<(Organization Organization, User Owner)> OrganizationAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var slug = $"org-{Guid.NewGuid():N}"[..24];
        var organization = await scope.ServiceProvider.GetRequiredService<OrganizationService>().CreateAsync(AuditActor.System, $"Org {slug}", slug, OrganizationKind.Customer);
        var owner = await Members.AddAsync(organization.Id, MemberRoles.Owner);
        return (organization, owner);
    }

    /// <summary>A browser signed in as <paramref name="user"/> with a session of <paramref name="methods"/> (a passkey by default), federated by <paramref name="federatedBy"/> when given.</summary>
    public async Task<HttpClient> SignedInAsync(User user, string methods = "hwk user", Guid? federatedBy = null)
    {
        var session = await StartSessionAsync(user, methods, federatedBy);
        var browser = CreateBrowser();
        using var signedIn = await SignInAsync(browser, new IdentityClaims(user.Id, user.Email!, session.Id, methods.Split(' ')));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    public async Task<UserSession> StartSessionAsync(User user, string methods = "hwk user", Guid? federatedBy = null)
    {
        var session = await Users.StartSessionAsync(user, methods: methods);
        if (federatedBy is { } organizationId)
        {
            await WithDbAsync(db => db.UserSessions.Where(s => s.Id == session.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.FederatedOrganizationId, organizationId)));
        }

        return session;
    }

    public static Task<string> TokenAsync(HttpClient browser) => TokenFromAsync(browser, "/");

    /// <summary>Posts a form of the page, with an anti-forgery token taken from the home page.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient browser, string handler, IDictionary<string, string>? fields = null)
    {
        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>())
        {
            ["__RequestVerificationToken"] = await TokenAsync(browser),
        };
        return await browser.PostAsync(new Uri($"/organization/sso?handler={handler}", UriKind.Relative), new FormUrlEncodedContent(form));
    }

    public async Task<T> WithDbAsync<T>(Func<PortalDbContext, Task<T>> read)
    {
        await using var scope = Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    public async Task<T> WithAsync<TService, T>(Func<TService, Task<T>> use)
        where TService : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>Everything the page could change about an organization's single sign-on.</summary>
    public Task<string> SnapshotAsync(Guid organizationId) =>
        WithDbAsync(async db =>
        {
            var connection = await db.Set<SsoConnection>().AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == organizationId);
            var domains = await db.Set<SsoDomain>().Where(d => d.OrganizationId == organizationId).OrderBy(d => d.Domain)
                .Select(d => d.Domain + ":" + d.VerifiedAt).ToListAsync();
            var enabled = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.Sso.Enabled).SingleAsync();
            var audit = await db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.Action.StartsWith("sso."));
            var ended = await db.UserSessions.CountAsync(s => s.FederatedOrganizationId == organizationId && s.EndedAt != null);
            return $"{connection?.Version}:{connection?.Protocol}|{string.Join(',', domains)}|{enabled}|{audit}|{ended}";
        });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // As in production (Development turns it on for the demo's identity provider on 127.0.0.1).
        builder.UseSetting("Sso:AllowHttp", "false");
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IDomainRecordLookup>();
            services.AddSingleton<IDomainRecordLookup>(Dns);
            services.AddHttpClient(SamlMetadataDownload.ClientName).ConfigurePrimaryHttpMessageHandler(() => MetadataServer);
        });
    }

    private static async Task<string> TokenFromAsync(HttpClient browser, string path)
    {
        var page = await browser.GetStringAsync(new Uri(path, UriKind.Relative));
        return HtmlForms.AntiforgeryToken(page);
    }
}

[CollectionDefinition(SsoFixture.Collection)]
public sealed class SsoCollection : ICollectionFixture<SsoFixture>;

/// <summary>TXT records by domain, as the tests publish them.</summary>
public sealed class FakeDns : IDomainRecordLookup
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> _records = new(StringComparer.OrdinalIgnoreCase);

    public void Publish(string domain, params string[] records) => _records[domain] = records;

    public Task<IReadOnlyList<string>> TxtRecordsAsync(string domain, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(_records.TryGetValue(domain, out var records) ? records : []);
}

/// <summary>Answers metadata addresses from a table; records every address asked for.</summary>
public sealed class FakeMetadataServer : HttpMessageHandler
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<HttpResponseMessage>> _answers = new(StringComparer.Ordinal);

    public System.Collections.Concurrent.ConcurrentQueue<Uri> Requests { get; } = new();

    public void Serve(Uri address, Func<HttpResponseMessage> answer) => _answers[address.AbsoluteUri] = answer;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request.RequestUri!);
        return Task.FromResult(_answers.TryGetValue(request.RequestUri!.AbsoluteUri, out var answer)
            ? answer()
            : new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("internal page: secret-body-text") });
    }
}

/// <summary>SAML metadata of a made-up identity provider, signed by nobody, with a throwaway certificate.</summary>
public sealed record TestIdentityProvider(string EntityId, Uri SingleSignOnUrl, X509Certificate2 Certificate) : IDisposable
{
    public static TestIdentityProvider Create()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Test identity provider", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var id = Guid.NewGuid().ToString("N");
        return new TestIdentityProvider($"https://idp-{id}.example/saml", new Uri($"https://idp-{id}.example/saml/sso"), certificate);
    }

    public string Metadata() => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{EntityId}">
          <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing">
              <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{Convert.ToBase64String(Certificate.RawData)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
            </md:KeyDescriptor>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SingleSignOnUrl}"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """;

    public void Dispose() => Certificate.Dispose();
}
