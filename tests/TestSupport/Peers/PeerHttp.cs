using System.Net;

namespace KeyPortal.TestSupport.Peers;

/// <summary>The one HTTP client the harness uses to see whether a peer answers and to read what it publishes.</summary>
internal static class PeerHttp
{
    public static HttpClient Client { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>True when <paramref name="url"/> answers 200 OK with a body containing <paramref name="expected"/>.</summary>
    public static async Task<bool> AnswersAsync(Uri url, string expected, CancellationToken cancellationToken)
    {
        using var response = await Client.GetAsync(url, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return body.Contains(expected, StringComparison.Ordinal);
    }
}
