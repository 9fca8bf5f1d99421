using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KeyPortal.IdP.Connect;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

namespace KeyPortal.IdP.Tests.Connect;

public sealed class SigningKeysTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("keyportal-keys-").FullName;

    [Fact]
    public void Configured_PKCS12_files_are_loaded_with_the_chosen_algorithm_first()
    {
        var rsa = WriteKey("rsa.pfx", rsa: true);
        var ec = WriteKey("ec.pfx", rsa: false);

        var keys = SigningKeys.LoadSigningKeys(new SigningOptions { Algorithm = "ES256", Keys = [rsa, ec] }, _directory, isDevelopment: false);

        Assert.Equal(2, keys.Count);
        Assert.IsType<ECDsaSecurityKey>(keys[0]);
        Assert.IsType<RsaSecurityKey>(keys[1]);
        Assert.NotEqual(keys[0].KeyId, keys[1].KeyId);
    }

    [Fact]
    public void Production_without_keys_refuses_to_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            SigningKeys.LoadSigningKeys(new SigningOptions(), _directory, isDevelopment: false));
        Assert.Contains("IdentityProvider:Signing:Keys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_algorithm_no_key_supports_refuses_to_start()
    {
        var rsa = WriteKey("only-rsa.pfx", rsa: true);
        Assert.Throws<InvalidOperationException>(() =>
            SigningKeys.LoadSigningKeys(new SigningOptions { Algorithm = "ES256", Keys = [rsa] }, _directory, isDevelopment: false));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    internal KeyFileOptions WriteKey(string name, bool rsa)
    {
        var subject = new X500DistinguishedName($"CN={name}");
        using var certificate = rsa
            ? new CertificateRequest(subject, RSA.Create(2048), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1))
            : new CertificateRequest(subject, ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, "secret"));
        return new KeyFileOptions { Path = path, Password = "secret" };
    }
}

/// <summary>The identity provider as deployed: Production environment, keys from PKCS#12 files.</summary>
public sealed class IdpProductionFactory : IdpFactory
{
    private readonly SigningKeysTests _keys = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
        var signing = _keys.WriteKey("signing.pfx", rsa: true);
        var encryption = _keys.WriteKey("encryption.pfx", rsa: true);
        var dataProtection = _keys.WriteKey("data-protection.pfx", rsa: true);
        builder.UseSetting("DataProtection:Certificate:Path", dataProtection.Path);
        builder.UseSetting("DataProtection:Certificate:Password", dataProtection.Password);
        builder.UseSetting("IdentityProvider:Signing:Keys:0:Path", signing.Path);
        builder.UseSetting("IdentityProvider:Signing:Keys:0:Password", signing.Password);
        builder.UseSetting("IdentityProvider:Signing:EncryptionKey:Path", encryption.Path);
        builder.UseSetting("IdentityProvider:Signing:EncryptionKey:Password", encryption.Password);
        builder.UseSetting("Passkeys:Origins:0", "https://localhost");
        builder.UseSetting("IdentityProvider:DecoySecret", "production-decoy-secret-for-tests");
        builder.UseSetting("Mail:Delivery", "Smtp");
        Adjust?.Invoke(builder);
    }

    /// <summary>Settings of one test on top of the deployed ones.</summary>
    public Action<IWebHostBuilder>? Adjust { get; init; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _keys.Dispose();
    }
}

public sealed class ProductionTransportTests(IdpProductionFactory factory) : IClassFixture<IdpProductionFactory>
{
    [Fact]
    public async Task Data_protection_keys_are_stored_encrypted_and_antiforgery_cookies_are_secure()
    {
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost/") });
        using var page = await client.GetAsync(new Uri("/signin/password", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("KeyPortal.IdP.Antiforgery=", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
        await using var db = factory.Database.CreateContext();
        var keys = await db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Outside_development_plain_http_is_refused()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("HTTPS", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Outside Development the identity provider refuses to start with settings that leak or tell accounts apart.</summary>
public sealed class ProductionSettingsTests
{
    [Fact]
    public async Task Without_a_decoy_secret_it_refuses_to_start()
    {
        await using var factory = new IdpProductionFactory { Adjust = b => b.UseSetting("IdentityProvider:DecoySecret", "") };
        await factory.InitializeAsync();
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("IdentityProvider:DecoySecret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_data_protection_certificate_it_refuses_to_start()
    {
        await using var factory = new IdpProductionFactory { Adjust = b => b.UseSetting("DataProtection:Certificate:Path", "") };
        await factory.InitializeAsync();
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("DataProtection:Certificate:Path", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_mail_written_to_files_it_refuses_to_start()
    {
        await using var factory = new IdpProductionFactory { Adjust = b => b.UseSetting("Mail:Delivery", "Files") };
        await factory.InitializeAsync();
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Mail:Delivery is Files", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>Outside Development the registered clients are exactly the configured ones.</summary>
public sealed class ClientPruningTests
{
    [Fact]
    public async Task With_no_clients_configured_nothing_is_removed()
    {
        // A missing or mistyped IdentityProvider:Clients section must not wipe every client.
        await using var factory = new IdpProductionFactory();
        await factory.InitializeAsync();
        await using (var db = factory.Database.CreateContext())
        {
            db.Add(new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication { ClientId = "portal", ClientType = "confidential" });
            await db.SaveChangesAsync();
        }

        using var client = factory.CreateClient();

        await using (var db = factory.Database.CreateContext())
        {
            Assert.Equal(["portal"], await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().Select(a => a.ClientId).ToListAsync());
        }
    }

    [Fact]
    public async Task A_client_left_from_a_development_start_is_removed_with_its_tokens()
    {
        await using var factory = new IdpProductionFactory
        {
            Adjust = b =>
            {
                b.UseSetting("IdentityProvider:Clients:0:ClientId", "portal");
                b.UseSetting("IdentityProvider:Clients:0:ClientSecret", "portal-production-secret");
                b.UseSetting("IdentityProvider:Clients:0:RedirectUris:0", "{Portal}signin-oidc");
            },
        };
        await factory.InitializeAsync();
        await using (var db = factory.Database.CreateContext())
        {
            // What a Development start left behind in this database.
            var demo = new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication { ClientId = "demo-client", ClientType = "confidential" };
            db.Add(demo);
            db.Add(new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken { Application = demo, Type = "access_token", Status = "valid" });
            await db.SaveChangesAsync();
        }

        using var client = factory.CreateClient();

        await using (var db = factory.Database.CreateContext())
        {
            var clients = await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().Select(a => a.ClientId).ToListAsync();
            Assert.Equal(["portal"], clients);
            Assert.Equal(0, await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().CountAsync());
        }
    }
}
