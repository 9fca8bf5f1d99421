using Fido2NetLib;
using KeyPortal.Core.Passkeys;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Tests.Passkeys;

public sealed class PasskeyOptionsTests
{
    [Fact]
    public void Defaults_AreTheDevelopmentRelyingPartyWithTheProductionPolicy()
    {
        using var provider = Build([]);

        var options = provider.GetRequiredService<IOptions<PasskeyOptions>>().Value;

        Assert.Equal("localhost", options.RelyingPartyId);
        Assert.Equal("Key Portal", options.RelyingPartyName);
        Assert.Equal(["http://localhost:5000"], options.Origins);
        Assert.Equal(AuthenticatorPolicyKind.YubiKey, options.Policy);
        Assert.Equal(new System.Version(5, 2, 4), options.ParseMinimumFirmware());
        Assert.Equal(TimeSpan.FromMinutes(5), options.CeremonyLifetime);
    }

    [Fact]
    public void ConfiguredOrigins_ReplaceTheDefaultInsteadOfAddingToIt()
    {
        using var provider = Build(new()
        {
            ["Passkeys:RelyingPartyId"] = "example.com",
            ["Passkeys:Origins:0"] = "https://id.example.com",
            ["Passkeys:Policy"] = "DeviceBound",
        });

        var options = provider.GetRequiredService<IOptions<PasskeyOptions>>().Value;

        Assert.Equal(["https://id.example.com"], options.Origins);
        Assert.Equal(AuthenticatorPolicyKind.DeviceBound, options.Policy);
    }

    [Theory]
    [InlineData("Passkeys:MinimumYubiKeyFirmware", "5.2")]
    [InlineData("Passkeys:MinimumYubiKeyFirmware", "five")]
    [InlineData("Passkeys:CeremonyLifetime", "00:00:00")]
    [InlineData("Passkeys:Origins:0", "https://id.example.com")] // not under the RP ID localhost
    [InlineData("Passkeys:Origins:0", "http://localhost:5000/signin")]
    [InlineData("Passkeys:Origins:0", "localhost:5000")]
    [InlineData("Passkeys:RelyingPartyId", "")]
    public void InvalidSetting_FailsValidation(string key, string value)
    {
        using var provider = Build(new() { [key] = value });

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PasskeyOptions>>().Value);
    }

    [Fact]
    public void PlainHttpOrigin_IsRefusedOutsideLocalhost()
    {
        using var provider = Build(new()
        {
            ["Passkeys:RelyingPartyId"] = "example.com",
            ["Passkeys:Origins:0"] = "http://id.example.com",
        });

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PasskeyOptions>>().Value);
    }

    [Fact]
    public void AddPasskeys_RegistersTheServiceAndItsDependencies()
    {
        using var provider = Build([]);

        Assert.IsType<Fido2>(provider.GetRequiredService<IFido2>());
        Assert.Same(provider.GetRequiredService<AuthenticatorCatalog>(), provider.GetRequiredService<AuthenticatorCatalog>());
        Assert.Equal(AuthenticatorPolicyKind.YubiKey, provider.GetRequiredService<AuthenticatorPolicy>().Kind);
        Assert.Equal(3, provider.GetRequiredService<AuthenticatorCatalog>().AttestationRoots.Count);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddPasskeys();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }
}
