using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KeyPortal.IdP.Tests.Support;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>A page as the browser received it.</summary>
public sealed record LinkPage(HttpStatusCode Status, string Html, string Path)
{
    public bool Shows(string id) => Html.Contains($"id=\"{id}\"", StringComparison.Ordinal);

    public string AntiforgeryToken => OidcBrowser.AntiforgeryToken(Html);
}

/// <summary>Follows emailed links on the IdP's pages the way a browser without JavaScript would, plus the passkey JSON calls.</summary>
public sealed class LinkBrowser(IdpHost host) : IDisposable
{
    public OidcBrowser Oidc { get; } = new(host);

    public HttpClient Http => Oidc.Http;

    public LinkPage? Current { get; private set; }

    public async Task<LinkPage> OpenAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        Current = new LinkPage(response.StatusCode, await response.Content.ReadAsStringAsync(), path);
        return Current;
    }

    public Task<LinkPage> OpenAsync(Uri link) => OpenAsync(link.PathAndQuery);

    /// <summary>Submits a form of the current page; follows one local redirect (post/redirect/get).</summary>
    public async Task<LinkPage> SubmitAsync(string? handler, IDictionary<string, string>? fields = null, bool antiforgery = true)
    {
        var page = Current ?? throw new InvalidOperationException("Open a page first.");
        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>());
        if (antiforgery)
        {
            // A refused link's page has no form; a forger takes a token from any page.
            form["__RequestVerificationToken"] = page.Html.Contains("__RequestVerificationToken", StringComparison.Ordinal)
                ? page.AntiforgeryToken
                : OidcBrowser.AntiforgeryToken(await Http.GetStringAsync(new Uri("/signin", UriKind.Relative)));
        }

        var path = page.Path.Split('?')[0] + (handler is null ? "" : $"?handler={handler}");
        using var response = await Http.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(form));
        if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location is { } location)
        {
            if (!location.IsAbsoluteUri || location.Host == "localhost" && location.Port == 80)
            {
                return await OpenAsync(location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString);
            }

            Current = new LinkPage(response.StatusCode, location.AbsoluteUri, path);
            return Current;
        }

        Current = new LinkPage(response.StatusCode, await response.Content.ReadAsStringAsync(), path);
        return Current;
    }

    /// <summary>Posts JSON to an endpoint with the current page's anti-forgery token, as webauthn.js does.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Add("RequestVerificationToken", Current!.AntiforgeryToken);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public void Dispose() => Oidc.Dispose();
}
