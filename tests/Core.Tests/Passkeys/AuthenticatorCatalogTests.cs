using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KeyPortal.Core.Passkeys;

namespace KeyPortal.Core.Tests.Passkeys;

public sealed class AuthenticatorCatalogTests
{
    private static readonly AuthenticatorCatalog Embedded = AuthenticatorCatalog.LoadEmbedded();

    [Fact]
    public void Embedded_HoldsEveryAaguidOfYubicosList()
    {
        Assert.Equal(50, Embedded.Models.Count);
        Assert.All(Embedded.Models, m => Assert.NotEmpty(m.Models));
    }

    [Theory]
    [InlineData("2fc0579f-8113-47ea-b116-bb5a8db9202a", "YubiKey 5 NFC / 5C NFC", "5.2 / 5.4")]
    [InlineData("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5 / 5 Nano / 5C Nano / 5C", "5.2 / 5.4")]
    [InlineData("c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "YubiKey 5Ci", "5.2 / 5.4")]
    [InlineData("c1f9a0bc-1dd2-404a-b27f-8e29047a43fd", "YubiKey 5 NFC CSPN / 5 NFC FIPS / 5C NFC FIPS", "5.4")]
    [InlineData("d8522d9f-575b-4866-88a9-ba99fa02f35b", "YubiKey Bio FIDO Ed.", "5.5 / 5.6")]
    [InlineData("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5 / 5 Nano / 5C Nano / 5C", "5.1")]
    public void Find_KnownAaguid_GivesTheModelNameAndFirmwareSeries(string aaguid, string name, string series)
    {
        var model = Embedded.Find(Guid.Parse(aaguid));

        Assert.NotNull(model);
        Assert.Equal(name, model.Name);
        Assert.Equal(series, model.FirmwareSeries);
        Assert.Equal(name, Embedded.DefaultNameFor(Guid.Parse(aaguid)));
    }

    [Fact]
    public void DefaultName_UnknownAaguid_IsSecurityKey()
    {
        Assert.Null(Embedded.Find(SoftwareAuthenticator.VirtualAuthenticatorAaguid));
        Assert.Equal("Security key", Embedded.DefaultNameFor(SoftwareAuthenticator.VirtualAuthenticatorAaguid));
        Assert.Equal("Security key", Embedded.DefaultNameFor(Guid.Empty));
    }

    [Fact]
    public void Names_LeaveRoomForANumberWithinTheColumnLength()
    {
        Assert.All(Embedded.Models, m => Assert.True(m.Name.Length <= 64 - " (99)".Length, m.Name));
    }

    /// <summary>The firmware rule of <see cref="AuthenticatorModel.CanRunFirmware"/>: the newest series reporting the AAGUID decides.</summary>
    [Theory]
    [InlineData("5.1", "5.1", "5.2.4", false)]
    [InlineData("5.2", "5.4", "5.2.4", true)] // cannot tell 5.2.0-5.2.3 from 5.2.4+; 5.4.x qualifies
    [InlineData("5.2", "5.2", "5.2.4", true)] // a lone 5.2 series may be 5.2.4+
    [InlineData("5.4", "5.4", "5.2.4", true)]
    [InlineData("5.7", "5.7", "5.2.4", true)]
    [InlineData("5.2", "5.4", "5.7.0", false)]
    [InlineData("5.7", "5.7", "5.7.4", true)]
    [InlineData("4.3", "4.3", "5.0.0", false)]
    public void CanRunFirmware_JudgesByTheNewestSeries(string oldest, string newest, string minimum, bool expected)
    {
        var model = new AuthenticatorModel(Guid.NewGuid(), "Test", ["Test"], $"{oldest} / {newest}", Version.Parse(oldest), Version.Parse(newest), "Level 1");

        Assert.Equal(expected, model.CanRunFirmware(Version.Parse(minimum)));
    }

    [Fact]
    public void Embedded_WithTheSpecMinimum_RefusesExactlyThe51Series()
    {
        var minimum = new PasskeyOptions().ParseMinimumFirmware();

        var refused = Embedded.Models.Where(m => !m.CanRunFirmware(minimum)).Select(m => m.FirmwareSeries).Distinct();

        Assert.Equal(["5.1"], refused);
    }

    /// <summary>Guards the shipped trust anchors against a silent swap (fingerprints from Yubico's published roots).</summary>
    [Fact]
    public void EmbeddedRoots_AreYubicosFidoRoots()
    {
        var roots = AuthenticatorCatalog.LoadEmbeddedAttestationRoots();

        Assert.Equal(
            [
                ("CN=Yubico U2F Root CA Serial 457200631", "0FA1386F80EB8713263AE5C1D84DEB455BDF08AEA50AB05503CEFEE82B092D42"),
                ("CN=Yubico FIDO Root CA Serial 450203556", "35F1A54B353BFB711E6D42ADBEB76C0E9DEAD095018E6A94783BA2192FD6FAAD"),
                ("CN=Yubico Attestation Root 1", "62760C6A6EF91679F454C8902B80FD009825B3F25DA90F1FBACE2EC6586CD5A8"),
            ],
            roots.Select(r => (r.Subject, Convert.ToHexString(SHA256.HashData(r.RawData)))));
    }

    [Fact]
    public void EmbeddedIntermediates_ChainToYubicoAttestationRoot1()
    {
        foreach (var intermediate in Embedded.AttestationIntermediates)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(Embedded.AttestationRoots.ToArray());
            chain.ChainPolicy.ExtraStore.AddRange(Embedded.AttestationIntermediates.ToArray());
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

            Assert.True(chain.Build(intermediate), intermediate.Subject);
            Assert.Equal("CN=Yubico Attestation Root 1", chain.ChainElements[^1].Certificate.Subject);
        }
    }

    [Theory]
    [InlineData("Aaguid,Name\n")]
    [InlineData("")]
    [InlineData("Aaguid,Name,Models,FirmwareSeries,OldestFirmware,NewestFirmware,Certification\nnot-a-guid,X,X,5.4,5.4,5.4,Level 1\n")]
    [InlineData("Aaguid,Name,Models,FirmwareSeries,OldestFirmware,NewestFirmware,Certification\n2fc0579f-8113-47ea-b116-bb5a8db9202a,X,X,5.4,5.4,5.4.1,Level 1\n")]
    [InlineData("Aaguid,Name,Models,FirmwareSeries,OldestFirmware,NewestFirmware,Certification\n2fc0579f-8113-47ea-b116-bb5a8db9202a,X,X,5.4,5.4\n")]
    [InlineData("Aaguid,Name,Models,FirmwareSeries,OldestFirmware,NewestFirmware,Certification\n2fc0579f-8113-47ea-b116-bb5a8db9202a,X,X,5.4,5.4,5.4,Level 1\n2fc0579f-8113-47ea-b116-bb5a8db9202a,Y,Y,5.4,5.4,5.4,Level 1\n")]
    public void ReadModels_MalformedMetadata_IsRejected(string csv)
    {
        Assert.Throws<FormatException>(() => AuthenticatorCatalog.ReadModels(new StringReader(csv)));
    }

    [Fact]
    public void ReadModels_SkipsCommentsAndSplitsModels()
    {
        const string csv = "# comment\nAaguid,Name,Models,FirmwareSeries,OldestFirmware,NewestFirmware,Certification\n"
            + "# another\n2fc0579f-8113-47ea-b116-bb5a8db9202a,YubiKey 5 NFC / 5C NFC,YubiKey 5 NFC; YubiKey 5C NFC,5.2 / 5.4,5.2,5.4,Level 1\n";

        var model = Assert.Single(AuthenticatorCatalog.ReadModels(new StringReader(csv)));

        Assert.Equal(["YubiKey 5 NFC", "YubiKey 5C NFC"], model.Models);
        Assert.Equal(new Version(5, 2), model.OldestFirmware);
        Assert.Equal(new Version(5, 4), model.NewestFirmware);
    }
}
