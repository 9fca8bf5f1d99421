using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace KeyPortal.Core.Passkeys;

/// <summary>
/// What one AAGUID tells about an authenticator: the models that report it and the firmware
/// series they run. A row of <c>authenticator-metadata.csv</c>.
/// </summary>
/// <param name="Name">Default name of a new passkey ("YubiKey 5 NFC / 5C NFC" when several models share the AAGUID).</param>
/// <param name="OldestFirmware">Oldest firmware series (major.minor) reporting the AAGUID.</param>
/// <param name="NewestFirmware">Newest firmware series (major.minor) reporting the AAGUID.</param>
public sealed record AuthenticatorModel(
    Guid Aaguid,
    string Name,
    IReadOnlyList<string> Models,
    string FirmwareSeries,
    Version OldestFirmware,
    Version NewestFirmware,
    string Certification)
{
    /// <summary>
    /// Whether a key reporting this AAGUID can run firmware <paramref name="minimum"/> or newer.
    /// An AAGUID names firmware series, not patch levels, and one AAGUID can cover several series
    /// (5.2 and 5.4 share one), so nothing finer than the newest series is known: the AAGUID
    /// passes when its newest series is at least the minimum's major.minor. With 5.2.4, "5.2 / 5.4"
    /// passes (it includes 5.4.x and 5.2.4+, and 5.2.0-5.2.3 cannot be told apart) and "5.1" fails.
    /// </summary>
    public bool CanRunFirmware(Version minimum)
    {
        ArgumentNullException.ThrowIfNull(minimum);
        return NewestFirmware >= new Version(minimum.Major, minimum.Minor);
    }
}

/// <summary>
/// The authenticators the YubiKey policy knows, by AAGUID (from the embedded
/// <c>authenticator-metadata.csv</c>, derived from Yubico's published AAGUID list), and the
/// attestation roots that prove a key is one of them (Yubico's FIDO roots, embedded as PEM).
/// Also names new passkeys after their model. Immutable; one instance per app.
/// </summary>
public sealed class AuthenticatorCatalog
{
    private const string MetadataResource = "KeyPortal.Core.Passkeys.authenticator-metadata.csv";
    private const string RootsResource = "KeyPortal.Core.Passkeys.yubico-attestation-roots.pem";
    private const string IntermediatesResource = "KeyPortal.Core.Passkeys.yubico-attestation-intermediates.pem";

    private static readonly string[] Columns =
        ["Aaguid", "Name", "Models", "FirmwareSeries", "OldestFirmware", "NewestFirmware", "Certification"];

    private readonly FrozenDictionary<Guid, AuthenticatorModel> _models;

    /// <param name="attestationRoots">Trust anchors for "packed" attestation chains.</param>
    /// <param name="attestationIntermediates">Certificates that may complete a chain; never trusted by themselves.</param>
    public AuthenticatorCatalog(
        IEnumerable<AuthenticatorModel> models,
        IEnumerable<X509Certificate2> attestationRoots,
        IEnumerable<X509Certificate2>? attestationIntermediates = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(attestationRoots);
        _models = models.ToFrozenDictionary(m => m.Aaguid);
        AttestationRoots = [.. attestationRoots];
        AttestationIntermediates = [.. attestationIntermediates ?? []];
    }

    public IReadOnlyCollection<AuthenticatorModel> Models => _models.Values;

    public IReadOnlyList<X509Certificate2> AttestationRoots { get; }

    public IReadOnlyList<X509Certificate2> AttestationIntermediates { get; }

    /// <summary>The product's catalog: the embedded metadata file and Yubico's attestation roots.</summary>
    public static AuthenticatorCatalog LoadEmbedded() =>
        new(LoadEmbeddedModels(), LoadEmbeddedCertificates(RootsResource), LoadEmbeddedCertificates(IntermediatesResource));

    public static IReadOnlyList<AuthenticatorModel> LoadEmbeddedModels()
    {
        using var reader = new StreamReader(OpenResource(MetadataResource));
        return ReadModels(reader);
    }

    /// <summary>Yubico's FIDO attestation roots, as shipped.</summary>
    public static IReadOnlyList<X509Certificate2> LoadEmbeddedAttestationRoots() => LoadEmbeddedCertificates(RootsResource);

    /// <summary>Reads the metadata CSV format (see the header of <c>authenticator-metadata.csv</c>).</summary>
    public static IReadOnlyList<AuthenticatorModel> ReadModels(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var models = new List<AuthenticatorModel>();
        var seen = new HashSet<Guid>();
        var headerRead = false;
        var lineNumber = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(',');
            if (!headerRead)
            {
                if (!fields.SequenceEqual(Columns))
                {
                    throw Malformed(lineNumber, $"the header must be {string.Join(',', Columns)}");
                }

                headerRead = true;
                continue;
            }

            if (fields.Length != Columns.Length)
            {
                throw Malformed(lineNumber, $"expected {Columns.Length} fields, found {fields.Length}");
            }

            var model = new AuthenticatorModel(
                Guid.TryParse(fields[0], out var aaguid) ? aaguid : throw Malformed(lineNumber, "the AAGUID is not a GUID"),
                fields[1].Length > 0 ? fields[1] : throw Malformed(lineNumber, "the name is empty"),
                fields[2].Split("; "),
                fields[3],
                ParseSeries(fields[4], lineNumber),
                ParseSeries(fields[5], lineNumber),
                fields[6]);
            if (!seen.Add(model.Aaguid))
            {
                throw Malformed(lineNumber, $"AAGUID {model.Aaguid} appears twice");
            }

            models.Add(model);
        }

        return headerRead ? models : throw Malformed(lineNumber, "the header is missing");
    }

    public AuthenticatorModel? Find(Guid aaguid) => _models.GetValueOrDefault(aaguid);

    /// <summary>The default name of a new passkey: the model for a known AAGUID, else "Security key".</summary>
    public string DefaultNameFor(Guid aaguid) => Find(aaguid)?.Name ?? "Security key";

    private static Version ParseSeries(string text, int lineNumber) =>
        Version.TryParse(text, out var version) && version.Build < 0
            ? version
            : throw Malformed(lineNumber, $"'{text}' is not a firmware series such as 5.4");

    private static List<X509Certificate2> LoadEmbeddedCertificates(string resource)
    {
        using var reader = new StreamReader(OpenResource(resource));
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(reader.ReadToEnd());
        return collection.Count > 0
            ? [.. collection]
            : throw new InvalidOperationException($"The embedded resource {resource} holds no certificate.");
    }

    private static Stream OpenResource(string name) =>
        typeof(AuthenticatorCatalog).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"The embedded resource {name} is missing from {typeof(AuthenticatorCatalog).Assembly.GetName().Name}.");

    private static FormatException Malformed(int lineNumber, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Authenticator metadata, line {lineNumber}: {problem}."));
}
