using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KeyPortal.IdP.Connect;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
public static class DeployedIdp
{
    public static IdpHostOptions AsDeployed(this IdpHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = options.Own(new SigningKeysTests());
        var signing = keys.WriteKey("signing.pfx", rsa: true);
        var encryption = keys.WriteKey("encryption.pfx", rsa: true);
        var dataProtection = keys.WriteKey("data-protection.pfx", rsa: true);
        return options
            .UseEnvironment("Production")
            .Setting("DataProtection:Certificate:Path", dataProtection.Path)
            .Setting("DataProtection:Certificate:Password", dataProtection.Password)
            .Setting("IdentityProvider:Signing:Keys:0:Path", signing.Path)
            .Setting("IdentityProvider:Signing:Keys:0:Password", signing.Password)
            .Setting("IdentityProvider:Signing:EncryptionKey:Path", encryption.Path)
            .Setting("IdentityProvider:Signing:EncryptionKey:Password", encryption.Password)
            .Setting("Passkeys:Origins:0", "https://localhost")
            .Setting("IdentityProvider:DecoySecret", "production-decoy-secret-for-tests")
            .Setting("Mail:Delivery", "Smtp");
    }
}

public sealed class ProductionTransportTests(ClassHost own) : IClassFixture<ClassHost>
{
    private Task<IdpHost> StartAsync() => own.StartOnceAsync(o => o.AsDeployed());

    [Fact]
    public async Task Data_protection_keys_are_stored_encrypted_and_antiforgery_cookies_are_secure()
    {
        var host = await StartAsync();
        using var client = host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost/") });
        using var page = await client.GetAsync(new Uri("/signin/password", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("KeyPortal.IdP.Antiforgery=", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
        await using var db = host.Database.CreateContext();
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
        var host = await StartAsync();
        using var client = host.CreateClient();
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
        var error = await Assert.ThrowsAnyAsync<Exception>(() => IdpHost.StartAsync(o => o.AsDeployed().Setting("IdentityProvider:DecoySecret", "")));
        Assert.Contains("IdentityProvider:DecoySecret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_data_protection_certificate_it_refuses_to_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => IdpHost.StartAsync(o => o.AsDeployed().Setting("DataProtection:Certificate:Path", "")));
        Assert.Contains("DataProtection:Certificate:Path", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_mail_written_to_files_it_refuses_to_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => IdpHost.StartAsync(o => o.AsDeployed().Setting("Mail:Delivery", "Files")));
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
        await using var host = await IdpHost.StartAsync(o => o.AsDeployed().BeforeStart(async database =>
        {
            await using var db = database.CreateContext();
            db.Add(new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication { ClientId = "portal", ClientType = "confidential" });
            await db.SaveChangesAsync();
        }));

        await using (var db = host.Database.CreateContext())
        {
            Assert.Equal(["portal"], await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().Select(a => a.ClientId).ToListAsync());
        }
    }

    [Fact]
    public async Task A_client_left_from_a_development_start_is_removed_with_its_tokens()
    {
        await using var host = await IdpHost.StartAsync(o => o.AsDeployed()
            .Setting("IdentityProvider:Clients:0:ClientId", "portal")
            .Setting("IdentityProvider:Clients:0:ClientSecret", "portal-production-secret")
            .Setting("IdentityProvider:Clients:0:RedirectUris:0", "{Portal}signin-oidc")
            .BeforeStart(async database =>
            {
                // What a Development start left behind in this database.
                await using var db = database.CreateContext();
                var demo = new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication { ClientId = "demo-client", ClientType = "confidential" };
                db.Add(demo);
                db.Add(new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken { Application = demo, Type = "access_token", Status = "valid" });
                await db.SaveChangesAsync();
            }));

        await using (var db = host.Database.CreateContext())
        {
            var clients = await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().Select(a => a.ClientId).ToListAsync();
            Assert.Equal(["portal"], clients);
            Assert.Equal(0, await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().CountAsync());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Instances_that_remove_the_same_stale_clients_at_once_all_start(bool postgres)
    {
        await using var host = await IdpHost.StartAsync(o => (postgres ? o.OnPostgres() : o).AsDeployed()
            .Setting("IdentityProvider:Clients:0:ClientId", "portal")
            .Setting("IdentityProvider:Clients:0:ClientSecret", "portal-production-secret")
            .Setting("IdentityProvider:Clients:0:RedirectUris:0", "{Portal}signin-oidc"));
        await using (var db = host.Database.CreateContext())
        {
            for (var i = 0; i < 5; i++)
            {
                var stale = new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication { ClientId = $"stale-{i}", ClientType = "public" };
                db.Add(stale);
                db.Add(new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken { Application = stale, Type = "access_token", Status = "valid" });
            }

            await db.SaveChangesAsync();
        }

        // Four starts at once read the same stale clients and each deletes them: those that find
        // one gone carry on.
        var registrations = host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ClientRegistrations>().Single();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => registrations.StartAsync(CancellationToken.None))));

        await using var check = host.Database.CreateContext();
        Assert.Equal(["portal"], await check.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().Select(a => a.ClientId).ToListAsync());
        Assert.Equal(0, await check.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().CountAsync());
    }

    [Fact]
    public async Task An_instance_without_a_confidential_clients_secret_refuses_to_start_instead_of_making_it_public()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => IdpHost.StartAsync(o => o.AsDeployed()
            .Setting("IdentityProvider:Clients:0:ClientId", "portal")
            .Setting("IdentityProvider:Clients:0:RedirectUris:0", "{Portal}signin-oidc")
            .BeforeStart(async database =>
            {
                // Registered as confidential by the instances that have the secret.
                await using var db = database.CreateContext();
                db.Add(new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication
                {
                    ClientId = "portal", ClientType = "confidential", ClientSecret = "stored-hash",
                });
                await db.SaveChangesAsync();
            })));

        Assert.Contains("OIDC client portal has no ClientSecret", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("set Public to true", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "secret", "authorization_code", "is Public and has a ClientSecret")]
    [InlineData(false, null, "authorization_code", "has no ClientSecret")]
    [InlineData(true, null, "client_credentials", "client_credentials needs a secret")]
    public void A_client_is_public_only_when_configuration_says_so_and_then_has_no_secret(bool isPublic, string? secret, string grant, string refusal)
    {
        var client = new ClientOptions { ClientId = "app", ClientSecret = secret, Public = isPublic, GrantTypes = [grant] };

        var error = Assert.Throws<InvalidOperationException>(() => ClientRegistrations.Describe(client, new Core.PublicUrlOptions()));
        Assert.Contains(refusal, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_said_to_be_public_is_registered_public_with_pkce()
    {
        var client = new ClientOptions { ClientId = "app", Public = true, RedirectUris = ["http://localhost:7000/callback"] };

        var descriptor = ClientRegistrations.Describe(client, new Core.PublicUrlOptions());

        Assert.Equal(OpenIddict.Abstractions.OpenIddictConstants.ClientTypes.Public, descriptor.ClientType);
        Assert.Null(descriptor.ClientSecret);
        Assert.Contains(OpenIddict.Abstractions.OpenIddictConstants.Requirements.Features.ProofKeyForCodeExchange, descriptor.Requirements);
    }
}
