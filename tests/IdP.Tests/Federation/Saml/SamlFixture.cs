using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.Saml2;
using KeyPortal.TestSupport.Peers;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Federation.Saml;

/// <summary>
/// Our IdP and one customer's real SAML identity provider (SimpleSAMLphp or pysaml2) on
/// 127.0.0.1, introduced to each other by metadata both ways, for one organization with single
/// sign-on on. Members are added per test; <see cref="Password"/> is everyone's at the provider.
/// </summary>
public abstract class SamlFixture : IAsyncLifetime
{
    public const string Password = "Customer-IdP-Password-1";

    private readonly List<SamlTestUser> _users = [];

    public IdpHost Host { get; private set; } = null!;

    public ISamlTestIdp Idp { get; private set; } = null!;

    public Organization Organization { get; private set; } = null!;

    public string Slug { get; } = $"saml-{Guid.NewGuid():N}"[..20];

    /// <summary>People the identity provider knows, whether or not they are members here.</summary>
    public IReadOnlyList<string> KnownEmails { get; } = [.. Enumerable.Range(1, 12).Select(i => $"person{i}@{Guid.NewGuid():N}.customer.example")];

    /// <summary>A person the provider knows whose address differs from a member's only by a look-alike letter (the Kelvin sign for K).</summary>
    public (string Username, string AssertedEmail, string MemberEmail) LookAlike { get; } = Create();

    private static (string, string, string) Create()
    {
        var domain = $"{Guid.NewGuid():N}.customer.example";
        return ($"lookalike-{Guid.NewGuid():N}"[..20], $"\u212Aim@{domain}", $"kim@{domain}");
    }

    protected abstract Task<ISamlTestIdp> StartIdpAsync(SamlIdpOptions template, IReadOnlyList<SamlTestUser> users);

    public async Task InitializeAsync()
    {
        Host = await IdpHost.StartAsync(o => o.Setting("Sso:AllowHttp", "true"));
        var idp = new Uri(IdpHost.Issuer);
        _users.AddRange(KnownEmails.Select(e => new SamlTestUser(e, Password, e)));
        _users.Add(new SamlTestUser(LookAlike.Username, Password, LookAlike.AssertedEmail));
        Idp = await StartIdpAsync(new SimpleSamlPhpOptions
        {
            ServiceProviderEntityId = SsoAddresses.SamlEntityId(idp, Slug),
            AssertionConsumerServiceUrl = SsoAddresses.SamlAssertionConsumerService(idp, Slug),
            Users = _users,
        }, _users);

        await using var scope = Host.Services.CreateAsyncScope();
        Organization = await scope.ServiceProvider.GetRequiredService<OrganizationService>().CreateAsync(AuditActor.System, $"Customer {Slug}", Slug, OrganizationKind.Customer);
        await ConfigureAsync();
        await scope.ServiceProvider.GetRequiredService<SsoService>().SetEnabledAsync(AuditActor.System, Organization.Id, true);
    }

    /// <summary>Reads the identity provider's metadata into the connection and gives it ours (both ways, as administrators do).</summary>
    public async Task ConfigureAsync(bool allowIdpInitiated = false)
    {
        var metadata = IdentityProviderMetadataReader.Read(Idp.MetadataXml, new MetadataReadOptions());
        await using (var scope = Host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SsoService>().SaveSamlAsync(AuditActor.System, Organization.Id, new SamlConnectionSettings(
                metadata.EntityId,
                metadata.SingleSignOnServiceUrl,
                string.Concat(metadata.SigningCertificates.Select(c => c.ExportCertificatePem() + "\n")),
                Idp.MetadataUrl.AbsoluteUri,
                metadata.ValidUntil,
                AllowIdpInitiated: allowIdpInitiated));
        }

        using var client = Host.CreateClient();
        var ours = await client.GetStringAsync(new Uri($"/sso/{Slug}/saml/metadata", UriKind.Relative));
        await Idp.UpdateServiceProviderAsync(ours);
    }

    /// <summary>A member of the organization the identity provider knows (one of <see cref="KnownEmails"/>).</summary>
    public async Task<string> MemberAsync(int index, MemberRoles? roles = null, Core.Users.UserState state = Core.Users.UserState.Active)
    {
        var email = KnownEmails[index];
        await Host.Members.AddAsync(Organization.Id, roles ?? MemberRoles.Auditor, state, email);
        return email;
    }

    public async Task DisposeAsync()
    {
        if (Idp is not null)
        {
            await Idp.DisposeAsync();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

public sealed class SimpleSamlPhpFixture : SamlFixture
{
    protected override async Task<ISamlTestIdp> StartIdpAsync(SamlIdpOptions template, IReadOnlyList<SamlTestUser> users) =>
        await SimpleSamlPhpIdp.StartAsync((SimpleSamlPhpOptions)template);
}

public sealed class PySaml2Fixture : SamlFixture
{
    protected override async Task<ISamlTestIdp> StartIdpAsync(SamlIdpOptions template, IReadOnlyList<SamlTestUser> users) =>
        await PySaml2Idp.StartAsync(new PySaml2Options
        {
            ServiceProviderEntityId = template.ServiceProviderEntityId,
            AssertionConsumerServiceUrl = template.AssertionConsumerServiceUrl,
            Users = users,
        });
}
