using System.Net;
using System.Text;
using KeyPortal.Core.SingleSignOn;
using Microsoft.Extensions.Options;

namespace KeyPortal.Portal.SingleSignOn;

/// <summary>
/// Reads an identity provider's SAML metadata from the address its Owner entered, on the server:
/// 10 seconds at most, 1 MiB at most, https only (http too when <see cref="SsoOptions.AllowHttp"/>),
/// and every redirect hop checked against the same rule, so a redirect cannot lead to another
/// scheme. Any failure is one and the same answer: the response body or an exception's text
/// would tell the Owner about hosts the server can reach that they cannot.
/// </summary>
public sealed class SamlMetadataDownload(IHttpClientFactory clients, IOptions<SsoOptions> options)
{
    public const string ClientName = "KeyPortal.Sso.Metadata";

    public const int MaxBytes = 1 << 20;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private const int MaxRedirects = 5;

    /// <summary>The metadata document, or null when it could not be read from <paramref name="address"/>.</summary>
    public async Task<string?> ReadAsync(string address, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(address?.Trim(), UriKind.Absolute, out var uri) || !Allowed(uri))
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var client = clients.CreateClient(ClientName);
        try
        {
            for (var hop = 0; hop <= MaxRedirects; hop++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Accept.ParseAdd("application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1");
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (IsRedirect(response.StatusCode))
                {
                    if (response.Headers.Location is not { } location || !Allowed(uri = location.IsAbsoluteUri ? location : new Uri(uri, location)))
                    {
                        return null;
                    }

                    continue;
                }

                if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentLength > MaxBytes)
                {
                    return null;
                }

                return await ReadLimitedAsync(response.Content, timeout.Token);
            }

            return null;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // Refused connection, DNS failure, TLS failure, timeout: all alike to the Owner.
            return null;
        }
    }

    private bool Allowed(Uri uri) =>
        (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.Value.AllowHttp))
        && string.IsNullOrEmpty(uri.UserInfo);

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>Reads at most <see cref="MaxBytes"/>; a longer body (whatever Content-Length said) is refused.</summary>
    private static async Task<string?> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxBytes + 1];
        var read = 0;
        int count;
        while (read < buffer.Length && (count = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += count;
        }

        if (read > MaxBytes)
        {
            return null;
        }

        try
        {
            return Text(buffer.AsSpan(0, read));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The document as text: UTF-8 (SAML metadata's encoding in practice), without a byte-order mark; throws on invalid bytes.</summary>
    public static string Text(ReadOnlySpan<byte> bytes) =>
        new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
}
