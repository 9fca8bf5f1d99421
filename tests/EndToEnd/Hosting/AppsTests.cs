using System.Net;

namespace KeyPortal.EndToEnd.Hosting;

[Collection(KeyPortalApps.Collection)]
public sealed class AppsTests(KeyPortalApps apps)
{
    [Theory]
    [InlineData("IdP", KeyPortalApps.IdPPort)]
    [InlineData("Portal", KeyPortalApps.PortalPort)]
    [InlineData("Admin", KeyPortalApps.AdminPort)]
    public async Task Every_app_answers_ready(string app, int port)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://localhost:{port}/health/ready"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{app}: {response.StatusCode}\n{await apps.LogTailAsync(app)}");
    }

    [Fact]
    public async Task A_token_from_the_IdPs_token_endpoint_calls_the_portals_API_and_not_the_consoles()
    {
        using var http = new HttpClient();
        using var issued = await http.PostAsync(new Uri(apps.IdP, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
            ["scope"] = "api",
        }));
        Assert.True(issued.StatusCode == HttpStatusCode.OK, await issued.Content.ReadAsStringAsync());
        using var body = System.Text.Json.JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
        var token = body.RootElement.GetProperty("access_token").GetString()!;

        using var portal = await CallAsync(http, new Uri(apps.Portal, "api/me"), token);
        Assert.True(portal.StatusCode == HttpStatusCode.OK, $"{portal.StatusCode}\n{await apps.LogTailAsync("Portal")}");
        using var caller = System.Text.Json.JsonDocument.Parse(await portal.Content.ReadAsStringAsync());
        Assert.Equal("client", caller.RootElement.GetProperty("kind").GetString());
        Assert.Equal("demo-client", caller.RootElement.GetProperty("clientId").GetString());

        using var console = await CallAsync(http, new Uri(apps.Admin, "api/me"), token);
        Assert.Equal(HttpStatusCode.Unauthorized, console.StatusCode);
        using var anonymous = await http.GetAsync(new Uri(apps.Portal, "api/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<HttpResponseMessage> CallAsync(HttpClient http, Uri uri, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    [Theory]
    [InlineData("IdP", KeyPortalApps.IdPPort, "/", "Key Portal")]
    [InlineData("Portal", KeyPortalApps.PortalPort, "/welcome", "Customer portal")]
    [InlineData("Admin", KeyPortalApps.AdminPort, "/welcome", "Operator console")]
    public async Task Public_pages_render_with_the_shared_layout(string app, int port, string path, string text)
    {
        await using var journey = await apps.StartJourneyAsync($"{nameof(Public_pages_render_with_the_shared_layout)}-{app}");

        var response = await journey.Page.GotoAsync($"http://localhost:{port}{path}");

        Assert.Equal(200, response!.Status);
        await Assertions.Expect(journey.Page.Locator(".site-header")).ToBeVisibleAsync();
        await Assertions.Expect(journey.Page.Locator("main")).ToContainTextAsync(text);
        await journey.ScreenshotAsync("landing");
    }
}
