using System.Security.Cryptography.X509Certificates;

namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// A customer's SAML 2.0 identity provider running on 127.0.0.1 (one make per implementation), as
/// the Portal's service provider meets it: its metadata, its single sign-on endpoint (a login form
/// with fields <c>username</c> and <c>password</c>), and an IdP-initiated sign-in.
/// </summary>
public interface ISamlTestIdp : IAsyncDisposable
{
    Uri BaseUrl { get; }

    string EntityId { get; }

    Uri MetadataUrl { get; }

    /// <summary>The provider's metadata, as fetched from <see cref="MetadataUrl"/> once it answered.</summary>
    string MetadataXml { get; }

    /// <summary>The single sign-on endpoint (HTTP-Redirect binding).</summary>
    Uri SingleSignOnUrl { get; }

    /// <summary>The certificate the provider signs with.</summary>
    X509Certificate2 SigningCertificate { get; }

    /// <summary>What the provider's process printed.</summary>
    string LogPath { get; }

    /// <summary>Where a browser goes to sign in at the provider and be sent to the service provider unasked (IdP-initiated).</summary>
    Uri IdpInitiatedUrl(string spEntityId, string? relayState = null);

    /// <summary>Replaces what the provider knows of the service provider by <paramref name="spMetadataXml"/>; the next request sees it.</summary>
    Task UpdateServiceProviderAsync(string spMetadataXml);
}
