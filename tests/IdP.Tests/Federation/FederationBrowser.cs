using System.Net;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KeyPortal.IdP.Tests.Federation;

/// <summary>
/// A browser between our IdP (the test host at http://localhost/) and a customer's identity
/// provider (a real server on 127.0.0.1): it follows redirects across both, keeps each one's
/// cookies, and submits their HTML forms as a person would.
/// </summary>
public sealed class FederationBrowser : IDisposable
{
    private readonly HttpClient _ours;
    private readonly HttpClient _theirs;

    public FederationBrowser(IdpHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _ours = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri(IdpHost.Issuer) });
        _theirs = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseProxy = false })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>Where the last response came from, and what it was.</summary>
    public Uri Location { get; private set; } = new(IdpHost.Issuer);

    public HttpResponseMessage? Last { get; private set; }

    public string Html { get; private set; } = "";

    /// <summary>The IdP's own client (its cookies are this browser's).</summary>
    public HttpClient Ours => _ours;

    /// <summary>Opens <paramref name="url"/> and follows redirects (at most 20) wherever they lead.</summary>
    public Task<FederationBrowser> OpenAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(Location, url)));

    /// <summary>Submits the page's first form (or the one whose action contains <paramref name="actionContains"/>) with <paramref name="fields"/> filled in.</summary>
    public Task<FederationBrowser> SubmitAsync(IReadOnlyDictionary<string, string>? fields = null, string? actionContains = null)
    {
        var form = Forms(Html).FirstOrDefault(f => actionContains is null || f.Action.Contains(actionContains, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No form on {Location}:\n{Html[..Math.Min(Html.Length, 2000)]}");
        var values = new Dictionary<string, string>(form.Inputs);
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            values[name] = value;
        }

        var target = new Uri(Location, string.IsNullOrEmpty(form.Action) ? Location.PathAndQuery : form.Action);
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, target) { Content = new FormUrlEncodedContent(values) });
    }

    /// <summary>The hidden and text inputs of the page's first form that has <paramref name="name"/>.</summary>
    public string? FormValue(string name) => Forms(Html).Select(f => f.Inputs.GetValueOrDefault(name)).FirstOrDefault(v => v is not null);

    /// <summary>Posts <paramref name="fields"/> to <paramref name="url"/> as a form would.</summary>
    public Task<FederationBrowser> PostAsync(string url, IReadOnlyDictionary<string, string> fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(Location, url)) { Content = new FormUrlEncodedContent(fields) });

    private async Task<FederationBrowser> SendAsync(HttpRequestMessage request)
    {
        for (var hops = 0; hops < 20; hops++)
        {
            var client = IsOurs(request.RequestUri!) ? _ours : _theirs;
            using (request)
            {
                Last?.Dispose();
                Last = await client.SendAsync(request);
            }

            Location = request.RequestUri!;
            Html = await Last.Content.ReadAsStringAsync();
            if (Last.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect) || Last.Headers.Location is null)
            {
                return this;
            }

            var next = new Uri(Location, Last.Headers.Location);
            if (!IsOurs(next) && next.Host != "127.0.0.1")
            {
                // Another app (the Portal): where the journey leaves the identity providers.
                return this;
            }

            request = new HttpRequestMessage(HttpMethod.Get, next);
        }

        throw new InvalidOperationException($"Too many redirects, last at {Location}.");
    }

    private static bool IsOurs(Uri url) => url.Host == "localhost" && url.IsDefaultPort;

    internal static List<HtmlForm> Forms(string html) => HtmlForms.Parse(html);

    public void Dispose()
    {
        Last?.Dispose();
        _ours.Dispose();
        _theirs.Dispose();
    }
}
