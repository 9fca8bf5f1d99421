using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fido2NetLib.Objects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Passkeys;

/// <summary>
/// SPEC (Passwordless): which authenticators may hold a portal passkey. Judges a credential whose
/// registration Fido2 has already verified (signatures, challenge, origin, flags, attestation
/// statement format); refuses with a <see cref="DomainException"/>.
/// <list type="bullet">
/// <item><see cref="AuthenticatorPolicyKind.YubiKey"/>: not backup-eligible; an AAGUID of the
/// catalog; firmware rule (<see cref="AuthenticatorModel.CanRunFirmware"/>); and a "packed"
/// attestation whose x5c chain ends at one of the catalog's attestation roots (Yubico's) and
/// whose leaf names the same AAGUID. The AAGUID alone proves nothing: any software
/// authenticator can claim a YubiKey's AAGUID, so "none" and self attestation are refused.</item>
/// <item><see cref="AuthenticatorPolicyKind.DeviceBound"/>: not backup-eligible.</item>
/// <item><see cref="AuthenticatorPolicyKind.Any"/>: everything.</item>
/// </list>
/// </summary>
public sealed partial class AuthenticatorPolicy
{
    private readonly AuthenticatorCatalog _catalog;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Version _minimumFirmware;

    public AuthenticatorPolicy(
        AuthenticatorCatalog catalog, TimeProvider clock, IOptions<PasskeyOptions> options, ILogger<AuthenticatorPolicy>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog;
        _clock = clock;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Kind = options.Value.Policy;
        _minimumFirmware = options.Value.ParseMinimumFirmware();
        MinimumFirmware = options.Value.MinimumYubiKeyFirmware;
    }

    public AuthenticatorPolicyKind Kind { get; }

    /// <summary>The configured minimum YubiKey firmware, as shown to users.</summary>
    public string MinimumFirmware { get; }

    /// <summary>Refuses <paramref name="credential"/> unless the policy allows its authenticator. Checks run cheapest and most telling first.</summary>
    /// <exception cref="DomainException">passkey.synced_not_allowed, passkey.not_a_yubikey, passkey.firmware_too_old or passkey.attestation_unverified.</exception>
    public void EnsureAllowed(RegisteredPublicKeyCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if (Kind == AuthenticatorPolicyKind.Any)
        {
            return;
        }

        // Backup eligibility (BE flag) is fixed when the credential is made: an eligible one can be
        // copied to a cloud account at any time, so it is refused even while not backed up yet.
        if (credential.IsBackupEligible)
        {
            throw new DomainException(DomainErrors.PasskeySyncedNotAllowed);
        }

        if (Kind == AuthenticatorPolicyKind.DeviceBound)
        {
            return;
        }

        var model = _catalog.Find(credential.AaGuid) ?? throw new DomainException(DomainErrors.PasskeyNotAYubiKey(MinimumFirmware));
        if (!model.CanRunFirmware(_minimumFirmware))
        {
            throw new DomainException(DomainErrors.PasskeyFirmwareTooOld(MinimumFirmware));
        }

        if (!IsProvenByAttestation(credential))
        {
            throw new DomainException(DomainErrors.PasskeyAttestationUnverified);
        }
    }

    /// <summary>
    /// Fido2 has checked the packed statement itself (signature by the leaf over authData and
    /// clientDataHash, leaf subject and CA=false, and the leaf's AAGUID extension equal to
    /// authData's when present), but without a metadata service it does not check where the
    /// chain leads. Here: the leaf must carry the AAGUID extension (mandatory when one root serves
    /// several models, WebAuthn §8.2.1, as Yubico's do) and chain to a catalog root.
    /// </summary>
    private bool IsProvenByAttestation(RegisteredPublicKeyCredential credential)
    {
        if (credential.AttestationFormat != "packed" || credential.AttestationObject is not { Length: > 0 } attestationObject)
        {
            LogNotProven(_logger, credential.AaGuid, credential.AttestationFormat, "not a packed attestation");
            return false;
        }

        var chain = new List<X509Certificate2>();
        try
        {
            foreach (var der in AttestationStatement.ReadCertificateChain(attestationObject))
            {
                chain.Add(X509CertificateLoader.LoadCertificate(der));
            }

            if (chain.Count == 0)
            {
                LogNotProven(_logger, credential.AaGuid, credential.AttestationFormat, "self attestation (no x5c)");
                return false;
            }

            if (AttestationStatement.AaguidOf(chain[0]) != credential.AaGuid)
            {
                LogNotProven(_logger, credential.AaGuid, credential.AttestationFormat, "the attestation certificate does not name the AAGUID");
                return false;
            }

            return ChainsToTrustedRoot(credential.AaGuid, chain);
        }
        catch (Exception exception) when (exception is CborContentException or InvalidOperationException or CryptographicException)
        {
            LogNotProven(_logger, credential.AaGuid, credential.AttestationFormat, exception.Message);
            return false;
        }
        finally
        {
            chain.ForEach(certificate => certificate.Dispose());
        }
    }

    private bool ChainsToTrustedRoot(Guid aaguid, List<X509Certificate2> x5c)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_catalog.AttestationRoots.ToArray());
        policy.ExtraStore.AddRange(_catalog.AttestationIntermediates.Concat(x5c.Skip(1)).ToArray());
        // Attestation certificates are not revoked through CRLs a relying party could fetch
        // (FIDO MDS status reports do that job), and a verifier must not call out to the network.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = _clock.GetUtcNow().UtcDateTime;
        if (chain.Build(x5c[0]))
        {
            return true;
        }

        var problems = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
        LogNotProven(_logger, aaguid, "packed", $"the x5c chain does not lead to a trusted root: {problems}");
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Passkey attestation for AAGUID {Aaguid} (format {Format}) does not prove the authenticator: {Reason}")]
    private static partial void LogNotProven(ILogger logger, Guid aaguid, string format, string reason);
}
